//! Frame cost of the terminal UI with a big fleet: the application list
//! with 10,000 apps drawn on a 160×48 test terminal, and one filter
//! keystroke (the list filtered and sorted again) over 10,000 apps. The
//! aims: under 5 ms a frame, under 16 ms a keystroke.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::tui::fixtures::{demo_now, fleet_of};
use fleetdeck::tui::keymap::Keymap;
use fleetdeck::tui::model::Model;
use fleetdeck::tui::msg::Msg;
use fleetdeck::tui::theme::Theme;
use fleetdeck::tui::update::update;
use fleetdeck::tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn model(apps: usize) -> Model {
    let mut model = Model::new(
        "bench",
        Arc::new(fleet_of(apps)),
        Theme::by_name("default").expect("the shipped theme parses"),
        Keymap::by_name("default").expect("the shipped keymap parses"),
        demo_now(),
    );
    model.width = 160;
    model.height = 48;
    model
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn frame(c: &mut Criterion) {
    let mut model = model(10_000);
    // Somewhere in the middle, so the rows drawn are not the first ones.
    for _ in 0..5 {
        update(&mut model, key(KeyCode::PageDown));
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("a test terminal");
    c.bench_function("tui_frame/applications_10000_apps_160x48", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| view(black_box(&model), frame))
                .expect("draws");
        })
    });
}

fn keystroke(c: &mut Criterion) {
    let mut model = model(10_000);
    update(&mut model, key(KeyCode::Char('/')));
    for c in "svc-0".chars() {
        update(&mut model, key(KeyCode::Char(c)));
    }
    // Each iteration types one character and takes it back: two filter
    // passes over 10,000 apps, reported per keystroke below.
    c.bench_function("tui_frame/filter_keystroke_10000_apps_x2", |b| {
        b.iter(|| {
            update(&mut model, key(KeyCode::Char('1')));
            update(&mut model, key(KeyCode::Backspace));
            black_box(model.apps.rows.len())
        })
    });
    // Sorted by health: the keystroke also sorts the matching rows.
    update(&mut model, key(KeyCode::Enter));
    update(&mut model, key(KeyCode::Char('o')));
    update(&mut model, key(KeyCode::Char('/')));
    c.bench_function("tui_frame/filter_keystroke_sorted_10000_apps_x2", |b| {
        b.iter(|| {
            update(&mut model, key(KeyCode::Char('1')));
            update(&mut model, key(KeyCode::Backspace));
            black_box(model.apps.rows.len())
        })
    });
}

criterion_group!(benches, frame, keystroke);
criterion_main!(benches);

//! The screenshots in `screenshots/` are rendered here from the fixture
//! fleet (shaped like the demo's), never drawn by hand: this test fails
//! when one no longer matches what the UI draws, and
//! `FLEETDECK_WRITE_SCREENSHOTS=1 cargo test screenshots` rewrites them.

use std::path::Path;

use fleetdeck::tui::fixtures::{DEMO_APP, demo_dry_run, model_on};
use fleetdeck::tui::model::Screen;
use fleetdeck::tui::msg::Msg;
use fleetdeck::tui::svg::buffer_to_svg;
use fleetdeck::tui::update::update;
use fleetdeck::tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Wide enough for every column, as on a desktop terminal.
const WIDTH: u16 = 140;
const HEIGHT: u16 = 36;

/// Each screenshot: a screen, and what happens on it before the picture.
fn screens() -> Vec<(&'static str, Screen, Vec<Msg>)> {
    let app = DEMO_APP.to_string();
    let sync_prune = Msg::Key(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT));
    vec![
        ("applications", Screen::Applications, Vec::new()),
        (
            "app-detail",
            Screen::Detail { app: app.clone() },
            Vec::new(),
        ),
        ("diff", Screen::Diff { app: app.clone() }, Vec::new()),
        ("history", Screen::History { app: app.clone() }, Vec::new()),
        ("clusters", Screen::Clusters, Vec::new()),
        ("appsets", Screen::AppSets, Vec::new()),
        ("audit", Screen::Audit, Vec::new()),
        (
            "sync-preview",
            Screen::Detail { app },
            vec![sync_prune, Msg::Engine(demo_dry_run(DEMO_APP, true))],
        ),
    ]
}

fn render(name: &str, screen: Screen, messages: Vec<Msg>) -> String {
    let mut model = model_on(screen);
    for message in messages {
        update(&mut model, message);
    }
    update(
        &mut model,
        Msg::Resize {
            width: WIDTH,
            height: HEIGHT,
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    terminal.draw(|frame| view(&model, frame)).expect("draw");
    buffer_to_svg(terminal.backend().buffer(), &format!("fleetdeck: {name}"))
}

#[test]
fn screenshots_are_what_the_ui_draws() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let write = std::env::var_os("FLEETDECK_WRITE_SCREENSHOTS").is_some();
    let mut stale = Vec::new();
    for (name, screen, messages) in screens() {
        let svg = render(name, screen, messages);
        assert!(svg.starts_with("<svg"), "{name}: not an SVG");
        let path = dir.join(format!("{name}.svg"));
        if write {
            std::fs::write(&path, &svg).expect("write screenshot");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(svg.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "screenshots out of date: {stale:?}; regenerate with FLEETDECK_WRITE_SCREENSHOTS=1 cargo test screenshots"
    );
}

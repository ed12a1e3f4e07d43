//! The UI end to end on the demo fleet: the real engine and simulated
//! clusters, the UI runtime on a test terminal fed scripted keys. An
//! operator filters to an app, pauses it for 30 minutes with a reason, sees
//! the banner, syncs it, opens its diff and quits; the engine carries out
//! each command and audits it under the operator's name.

use std::path::Path;
use std::time::Duration;

use fleetdeck::cli::demo::script::ScriptTiming;
use fleetdeck::cli::demo::{DemoOptions, DemoSession};
use fleetdeck::cli::{GlobalArgs, ProjectPaths, Settings};
use fleetdeck::engine::api::{EngineEvent, PauseScope, Timestamp};
use fleetdeck::engine::api::{HealthStatus, SyncStatus};
use fleetdeck::tui::msg::Msg;
use fleetdeck::tui::runtime::{MsgStream, UiOptions, initial_model, run_with_engine};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use super::support::sandbox;

/// A guard against hangs: the demo fleet starts, rolls out and syncs.
const TEST_TIMEOUT: Duration = Duration::from_secs(240);
const APP: &str = "dev-guestbook";

fn settings_in(dir: &Path) -> Settings {
    let paths = ProjectPaths {
        config_file: dir.join("config").join("config.yaml"),
        data_dir: dir.join("data"),
        state_dir: dir.join("state"),
        default_kubeconfig: dir.join("kube").join("config"),
    };
    Settings::resolve(&GlobalArgs::default(), &paths).expect("settings")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn typed(keys: &mpsc::UnboundedSender<Result<Msg, fleetdeck::tui::UiError>>, text: &str) {
    for c in text.chars() {
        keys.send(Ok(key(KeyCode::Char(c)))).expect("ui reads keys");
    }
}

async fn next_event<T>(
    events: &mut tokio::sync::broadcast::Receiver<EngineEvent>,
    mut pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    loop {
        match events.recv().await {
            Ok(event) => {
                if let Some(found) = pick(event) {
                    return found;
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(error) => panic!("event stream ended: {error}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_filters_pauses_syncs_and_reads_the_diff_in_the_ui() {
    sandbox();
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = settings_in(dir.path());
    let options = DemoOptions {
        fresh: false,
        refresh_interval: Duration::from_secs(1),
        script: ScriptTiming {
            approve_first_rollout: true,
            drift_after: None,
        },
    };
    let session = DemoSession::start(&settings, options)
        .await
        .expect("demo starts");
    let outcome = tokio::time::timeout(TEST_TIMEOUT, async {
        let engine = session.engine().clone();
        engine
            .wait_for(|snapshot| {
                snapshot.app(APP).is_some_and(|app| {
                    app.sync == SyncStatus::Synced && app.health == HealthStatus::Healthy
                }) && snapshot.operation(APP).is_none()
            })
            .await
            .expect("the app is deployed");
        let mut events = engine.subscribe();

        let ui_options = UiOptions {
            operator: "alice".into(),
            theme: "default".into(),
            keymap: "default".into(),
            theme_file: None,
            keymap_file: None,
            readonly: false,
            no_color: false,
        };
        let model = initial_model(&ui_options, engine.snapshot(), Timestamp::now());
        let (keys, key_stream) = mpsc::unbounded_channel();
        let input: MsgStream =
            Box::pin(tokio_stream_from(key_stream).map(|message: Result<Msg, _>| message));
        let ui_engine = engine.clone();
        let ui = tokio::spawn(async move {
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
            let stats = run_with_engine(&mut terminal, ui_engine, model, input, &ui_options)
                .await
                .expect("the UI runs");
            (terminal, stats)
        });

        // Filter to the app, then pause it for 30 minutes with a reason.
        keys.send(Ok(key(KeyCode::Char('/')))).expect("keys");
        typed(&keys, APP);
        keys.send(Ok(key(KeyCode::Enter))).expect("keys");
        keys.send(Ok(key(KeyCode::Char('p')))).expect("keys");
        keys.send(Ok(key(KeyCode::Backspace))).expect("keys");
        keys.send(Ok(key(KeyCode::Backspace))).expect("keys");
        typed(&keys, "30m");
        keys.send(Ok(key(KeyCode::Tab))).expect("keys");
        typed(&keys, "db migration");
        keys.send(Ok(key(KeyCode::Enter))).expect("keys");
        let paused = engine
            .wait_for(|snapshot| {
                snapshot
                    .pauses
                    .iter()
                    .any(|pause| pause.scope == PauseScope::App(APP.into()))
            })
            .await
            .expect("paused through the UI");
        let pause = paused
            .pauses
            .iter()
            .find(|pause| pause.scope == PauseScope::App(APP.into()))
            .expect("pause");
        assert_eq!(pause.owner, "alice");
        assert_eq!(pause.reason, "db migration");
        let left = pause.expires_at.as_second() - pause.created_at.as_second();
        assert_eq!(left, 30 * 60);

        // Sync it: the preview runs the engine's dry run first; on a dev
        // cluster with nothing to delete, `y` on the plan sends the sync.
        keys.send(Ok(key(KeyCode::Char('s')))).expect("keys");
        let dry_run = next_event(&mut events, |event| match event {
            EngineEvent::OperationFinished { app, outcome } if app == APP && outcome.dry_run => {
                Some(outcome)
            }
            EngineEvent::Rejected { command, reason } if command.contains(APP) => {
                panic!("{command} rejected: {reason}")
            }
            _ => None,
        })
        .await;
        assert!(dry_run.succeeded(), "{dry_run:?}");
        // The UI takes the dry run's end from its own subscription, so `y`
        // may come before the plan is shown; a `y` too early is refused by
        // the preview, and one more is sent until the sync starts.
        loop {
            keys.send(Ok(key(KeyCode::Char('y')))).expect("keys");
            let started = tokio::time::timeout(
                Duration::from_secs(1),
                next_event(&mut events, |event| match event {
                    EngineEvent::OperationStarted {
                        app,
                        initiated_by,
                        dry_run: false,
                    } if app == APP && initiated_by == "alice" => Some(()),
                    EngineEvent::Rejected { command, reason } if command.contains(APP) => {
                        panic!("{command} rejected: {reason}")
                    }
                    _ => None,
                }),
            )
            .await;
            if started.is_ok() {
                break;
            }
        }
        let outcome = next_event(&mut events, |event| match event {
            EngineEvent::OperationFinished { app, outcome } if app == APP => Some(outcome),
            _ => None,
        })
        .await;
        assert!(outcome.succeeded(), "{outcome:?}");
        keys.send(Ok(key(KeyCode::Char('d')))).expect("keys");
        next_event(&mut events, |event| match event {
            EngineEvent::AppDetail(detail) if detail.app == APP => Some(()),
            _ => None,
        })
        .await;
        // Let the detail reach the UI and be drawn, then quit.
        tokio::time::sleep(Duration::from_millis(300)).await;
        keys.send(Ok(key(KeyCode::Char('q')))).expect("keys");
        let (terminal, stats) = ui.await.expect("the UI task");
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        assert!(
            screen.contains("db migration"),
            "the pause banner: {screen}"
        );
        assert!(screen.contains("alice"), "{screen}");
        assert!(screen.contains(APP), "{screen}");
        assert!(stats.draws >= 3, "{stats:?}");

        let audit = fleetdeck::engine::state::AuditLog::open(&session.paths().state())
            .expect("audit")
            .read()
            .expect("read");
        let by_alice: Vec<&str> = audit
            .iter()
            .filter(|record| record.operator == "alice")
            .map(|record| record.action.as_str())
            .collect();
        assert!(by_alice.contains(&"pause"), "{by_alice:?}");
        assert!(by_alice.contains(&"sync"), "{by_alice:?}");
    })
    .await;
    session.shutdown().await.expect("demo shutdown");
    outcome.expect("test timed out");
}

/// An unbounded receiver as a stream of messages.
fn tokio_stream_from<T: Send + 'static>(
    mut receiver: mpsc::UnboundedReceiver<T>,
) -> impl futures::Stream<Item = T> + Send {
    futures::stream::poll_fn(move |context| receiver.poll_recv(context))
}

/// The real binary in a pseudo-terminal (through util-linux `script`, when
/// installed): `fleetdeck demo` takes the screen, answers keys, and gives
/// the terminal back on quit (leaves the alternate screen, exit status 0).
#[test]
fn the_binary_takes_the_terminal_and_gives_it_back() {
    let Ok(script) = which("script") else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    let home = tempfile::tempdir().expect("home");
    let binary = env!("CARGO_BIN_EXE_fleetdeck");
    let transcript = home.path().join("transcript");
    // Keys arrive after the fleet is up: help, close it, quit.
    let keys = "sleep 15; printf '?'; sleep 1; printf 'q'; sleep 1; printf 'q'; sleep 5";
    let command = format!(
        "({keys}) | {} -qfec 'stty cols 120 rows 30; {binary} demo' {}",
        script.display(),
        transcript.display()
    );
    let mut shell = super::support::fleetdeck_command(home.path());
    shell.env("TERM", "xterm-256color").env("USER", "alice");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .envs(
            shell
                .get_envs()
                .filter_map(|(key, value)| Some((key, value?))),
        )
        .env_remove("NO_COLOR")
        .status()
        .expect("run script");
    let output =
        String::from_utf8_lossy(&std::fs::read(&transcript).expect("transcript")).into_owned();
    assert!(status.success(), "exit {status:?}: {output}");
    let entered = output
        .find("\x1b[?1049h")
        .expect("takes the alternate screen");
    let left = output.rfind("\x1b[?1049l").expect("gives the screen back");
    assert!(entered < left);
    assert!(
        output.contains("kubeconfig:"),
        "prints the kubeconfig first"
    );
    let text = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]")
        .expect("pattern")
        .replace_all(&output, "");
    assert!(
        text.contains("fleetdeck alice@"),
        "the header names the operator: {text}"
    );
    assert!(text.contains("Quit"), "the help overlay was shown: {text}");
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .ok_or(())
}

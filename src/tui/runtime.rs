//! The loop around `update` and `view`: terminal in, engine out.
//!
//! [`run`] sets the terminal up (raw mode, alternate screen, a panic hook
//! that restores it; a guard restores it on every other way out), turns
//! keys, snapshots, engine events and a one-second tick into one stream of
//! [`Msg`]s and hands it to [`run_loop`], which is generic over the
//! backend and the command sink so tests drive it on a `TestBackend` with
//! scripted keys. The loop never awaits the engine: commands go to an
//! unbounded queue that a forwarding task drains into the engine's bounded
//! channel, in order. It draws only when the model changed, at most
//! [`MAX_FPS`] times a second.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{self, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::engine::api::{Command, EngineEvent, EngineHandle, Timestamp};

use super::keymap::Keymap;
use super::model::Model;
use super::msg::{Effect, Msg};
use super::theme::Theme;
use super::update::update;
use super::view::view;

/// Frames per second at most: enough to feel instant, little enough for a
/// bastion host over SSH.
pub const MAX_FPS: u32 = 30;

/// How the UI starts.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    /// Who acts (goes into every command).
    pub operator: String,
    /// A shipped theme name (`default`, `light`, `mono`).
    pub theme: String,
    /// A shipped keymap name (`default`).
    pub keymap: String,
    /// The user's theme file, layered on the shipped theme.
    pub theme_file: Option<PathBuf>,
    /// The user's keymap file, layered on the shipped keymap.
    pub keymap_file: Option<PathBuf>,
    /// Refuse every write, whatever the engine allows.
    pub readonly: bool,
    /// `NO_COLOR` is set: no colours at all.
    pub no_color: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("cannot set up the terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error("cannot draw: {0}")]
    Draw(#[source] std::io::Error),
    #[error("cannot read terminal input: {0}")]
    Input(#[source] std::io::Error),
}

/// Where commands go. The runtime's sink queues for the engine; tests
/// collect.
pub trait CommandSink {
    fn send(&mut self, command: Command);
}

impl CommandSink for mpsc::UnboundedSender<Command> {
    fn send(&mut self, command: Command) {
        // The receiver lives as long as the engine forwarder; when the
        // engine has stopped there is nobody to tell.
        let _ = mpsc::UnboundedSender::send(self, command);
    }
}

impl CommandSink for Vec<Command> {
    fn send(&mut self, command: Command) {
        self.push(command);
    }
}

/// What a loop did, for tests and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoopStats {
    pub messages: usize,
    pub draws: usize,
}

/// A model from the options: themes and keymaps loaded (errors shown in
/// the status line, defaults used), read-only flag set.
pub fn initial_model(
    options: &UiOptions,
    snapshot: Arc<crate::engine::api::FleetSnapshot>,
    now: Timestamp,
) -> Model {
    let (theme, theme_errors) = load_theme(options, &options.theme);
    let keymap_name = if options.keymap.is_empty() {
        "default"
    } else {
        options.keymap.as_str()
    };
    let (keymap, keymap_errors) = Keymap::load(keymap_name, options.keymap_file.as_deref());
    let operator = if options.operator.is_empty() {
        "operator"
    } else {
        options.operator.as_str()
    };
    let mut model = Model::new(operator, snapshot, theme, keymap, now);
    model.readonly_flag = options.readonly;
    let errors: Vec<String> = theme_errors
        .into_iter()
        .chain(keymap_errors.into_iter().map(|error| error.to_string()))
        .collect();
    if !errors.is_empty() {
        model.error(format!("config: {}", errors.join("; ")));
    }
    model
}

fn load_theme(options: &UiOptions, name: &str) -> (Theme, Vec<String>) {
    if options.no_color {
        return (Theme::plain(), Vec::new());
    }
    let name = if name.is_empty() { "default" } else { name };
    let (theme, errors) = Theme::load(name, options.theme_file.as_deref());
    (
        theme,
        errors.into_iter().map(|error| error.to_string()).collect(),
    )
}

/// Runs the UI until the operator quits. The engine keeps running; the
/// caller decides whether to shut it down.
pub async fn run(handle: EngineHandle, options: UiOptions) -> Result<(), UiError> {
    let model = initial_model(&options, handle.snapshot(), Timestamp::now());
    let guard = TerminalGuard::enter()?;
    let mut terminal = guard.terminal;
    let input = terminal_messages().chain_with(ticks());
    let result = run_with_engine(&mut terminal, handle, model, input, &options).await;
    drop(terminal);
    drop(guard.restore);
    result.map(|_| ())
}

/// The loop against a running engine on any backend: `input` (keys,
/// ticks) merged with the engine's snapshots and events; commands go to
/// the engine in order through a forwarding task, so the loop never waits
/// on the engine's queue. Returns once the operator quits and the queued
/// commands have been handed over (or two seconds have passed).
pub async fn run_with_engine<B: Backend>(
    terminal: &mut Terminal<B>,
    handle: EngineHandle,
    mut model: Model,
    input: MsgStream,
    options: &UiOptions,
) -> Result<LoopStats, UiError> {
    let (mut queue, mut commands) = mpsc::unbounded_channel::<Command>();
    let forward_handle = handle.clone();
    let forwarder = tokio::spawn(async move {
        while let Some(command) = commands.recv().await {
            if forward_handle.send(command).await.is_err() {
                break;
            }
        }
    });
    if let Ok(size) = terminal.size() {
        model.width = size.width;
        model.height = size.height;
    }
    let messages = engine_messages(&handle).chain_with(input);
    let result = run_loop(terminal, &mut model, messages, &mut queue, |model, name| {
        let (theme, errors) = load_theme(options, name);
        model.theme = theme;
        if errors.is_empty() {
            model.info(format!("theme {name}"));
        } else {
            model.error(errors.join("; "));
        }
    })
    .await;
    drop(queue);
    // Queued commands still reach the engine before we return.
    let _ = tokio::time::timeout(Duration::from_secs(2), forwarder).await;
    result
}

/// A boxed stream of messages (what [`run_with_engine`] takes as input).
pub type MsgStream = Pin<Box<dyn Stream<Item = Result<Msg, UiError>> + Send>>;

trait Merge {
    fn chain_with(self, other: MsgStream) -> MsgStream;
}

impl Merge for MsgStream {
    fn chain_with(self, other: MsgStream) -> MsgStream {
        Box::pin(stream::select(self, other))
    }
}

fn engine_messages(handle: &EngineHandle) -> MsgStream {
    let snapshots = stream::unfold(handle.watch(), |mut receiver| async move {
        receiver.changed().await.ok()?;
        let snapshot = receiver.borrow_and_update().clone();
        Some((Ok(Msg::Snapshot(snapshot)), receiver))
    });
    let events = stream::unfold(handle.subscribe(), |mut receiver| async move {
        let event = match receiver.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(missed)) => EngineEvent::Warning {
                message: format!("the UI fell behind and missed {missed} engine events"),
            },
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Msg::Engine(event)), receiver))
    });
    Box::pin(stream::select(snapshots, events))
}

fn terminal_messages() -> MsgStream {
    Box::pin(EventStream::new().filter_map(|event| async move {
        match event {
            Ok(Event::Key(key)) => Some(Ok(Msg::Key(key))),
            Ok(Event::Resize(width, height)) => Some(Ok(Msg::Resize { width, height })),
            Ok(_) => None,
            Err(error) => Some(Err(UiError::Input(error))),
        }
    }))
}

fn ticks() -> MsgStream {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    Box::pin(stream::unfold(interval, |mut interval| async move {
        interval.tick().await;
        Some((Ok(Msg::Tick(Timestamp::now())), interval))
    }))
}

/// The loop: messages in, `update`, effects out, `view` when the model
/// changed and at most [`MAX_FPS`] times a second. Ends on quit, on an
/// input error, or when the messages end (after a last draw).
/// `load_theme` carries out [`Effect::LoadTheme`] (the only effect that
/// reads files).
pub async fn run_loop<B, S, C>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    messages: S,
    sink: &mut C,
    mut load_theme: impl FnMut(&mut Model, &str),
) -> Result<LoopStats, UiError>
where
    B: Backend,
    S: Stream<Item = Result<Msg, UiError>>,
    C: CommandSink + ?Sized,
{
    let frame_interval = Duration::from_secs(1) / MAX_FPS;
    let mut stats = LoopStats::default();
    let mut messages = std::pin::pin!(messages);
    let mut last_draw: Option<Instant> = None;
    loop {
        if model.dirty {
            let due = last_draw.map_or(Instant::now(), |at| at + frame_interval);
            if due <= Instant::now() {
                draw(terminal, model, &mut stats)?;
                last_draw = Some(Instant::now());
            } else {
                // Wait for the frame slot, unless a message comes first.
                tokio::select! {
                    () = tokio::time::sleep_until(due) => {
                        draw(terminal, model, &mut stats)?;
                        last_draw = Some(Instant::now());
                        continue;
                    }
                    message = messages.next() => {
                        if handle(model, message, sink, &mut load_theme, &mut stats)? {
                            break;
                        }
                        continue;
                    }
                }
            }
        }
        let message = messages.next().await;
        if handle(model, message, sink, &mut load_theme, &mut stats)? {
            break;
        }
    }
    if model.dirty && !model.quit {
        draw(terminal, model, &mut stats)?;
    }
    Ok(stats)
}

/// Applies one message; true when the loop should end.
fn handle<C: CommandSink + ?Sized>(
    model: &mut Model,
    message: Option<Result<Msg, UiError>>,
    sink: &mut C,
    load_theme: &mut impl FnMut(&mut Model, &str),
    stats: &mut LoopStats,
) -> Result<bool, UiError> {
    let Some(message) = message else {
        return Ok(true);
    };
    stats.messages += 1;
    for effect in update(model, message?) {
        match effect {
            Effect::Send(command) => sink.send(command),
            Effect::LoadTheme(name) => {
                load_theme(model, &name);
                model.dirty = true;
            }
            Effect::Quit => return Ok(true),
        }
    }
    Ok(model.quit)
}

fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    model: &mut Model,
    stats: &mut LoopStats,
) -> Result<(), UiError> {
    terminal
        .draw(|frame| view(model, frame))
        .map_err(|error| UiError::Draw(std::io::Error::other(error.to_string())))?;
    model.dirty = false;
    stats.draws += 1;
    Ok(())
}

/// Raw mode and the alternate screen, left on drop whatever happens
/// (`ratatui::try_init` also installs a panic hook that restores them).
struct TerminalGuard {
    terminal: ratatui::DefaultTerminal,
    restore: Restore,
}

struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        // Nothing more can be done if restoring fails while leaving.
        let _ = ratatui::try_restore();
    }
}

impl TerminalGuard {
    fn enter() -> Result<TerminalGuard, UiError> {
        let restore = Restore;
        let mut terminal = ratatui::try_init().map_err(UiError::Terminal)?;
        // Frames draw only the cells that changed since the last one, and
        // the first is compared with a blank screen: a terminal that keeps
        // text in its alternate screen (no alternate screen in some tmux and
        // serial consoles) would show it through the gaps otherwise.
        // Through the backend: `Terminal::clear` asks the terminal where its
        // cursor is, and a console that never answers would stop the start.
        terminal.backend_mut().clear().map_err(UiError::Terminal)?;
        Ok(TerminalGuard { terminal, restore })
    }
}

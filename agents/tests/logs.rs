//! The `agent` command's log as a service manager keeps it: stderr is a pipe (a log file, the
//! journal), so the lines are plain text without terminal colour codes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn the_log_has_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = std::env::temp_dir().join(format!("agent-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("agent.toml");
    // Nothing listens on port 1, so `agent run` logs that it cannot reach the broker, and
    // goes on trying until it is stopped.
    std::fs::write(
        &config,
        format!(
            "[agent]\nid = \"dk-test\"\ndata_dir = \"{}\"\n\
             [broker]\nhost = \"127.0.0.1\"\nport = 1\npassword = \"unused\"\n\
             inbox_queue = \"inbox.dk-test.0123456789abcdef0123456789abcdef\"\n",
            dir.join("store").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_agent"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        // Colours would be on by default: only the pipe may turn them off.
        .env_remove("NO_COLOR")
        .env_remove("LOG_FORMAT")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let (lines, read) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut log = String::new();
    while !log.contains("broker session ended") {
        let left = deadline.saturating_duration_since(Instant::now());
        match read.recv_timeout(left) {
            Ok(line) => {
                log.push_str(&line);
                log.push('\n');
            }
            Err(_) => break,
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    assert!(
        log.contains("broker session ended"),
        "the agent logged no reconnect within 20 s:\n{log}"
    );
    assert!(
        !log.contains("\x1b["),
        "terminal escape codes in the log:\n{}",
        log.escape_debug()
    );
    // Levels and fields as plain text, readable in a file.
    assert!(log.contains(" WARN "), "{log}");
    assert!(log.contains("agency=dk-test"), "{log}");
}

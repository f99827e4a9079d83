//! The `agent` command as a user runs it: several processes on one new store.

use std::process::Command;

#[test]
fn several_agent_processes_can_open_a_new_store_at_once() {
    let dir = std::env::temp_dir().join(format!("agent-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\nid = \"dk-test\"\ndata_dir = \"{}\"\nrelay_interval_ms = 200\nprefetch = 8\n\
             [broker]\nhost = \"127.0.0.1\"\nport = 5672\nvhost = \"unused\"\n",
            dir.join("store").display()
        ),
    )
    .unwrap();
    for round in 0..3 {
        let _ = std::fs::remove_dir_all(dir.join("store"));
        let spawned: Vec<_> = (0..4)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_agent"))
                    .arg("--config")
                    .arg(&config)
                    .arg("inbox")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in spawned {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "the inbox is empty"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

//! The host's runtime config file (`--runtime-config-file`, Spin's format): key-value stores
//! by label, checked through the running host and read back with Python's sqlite3.

use std::process::Command;

use lathe_tests::{repo_root, Lathe};

fn sqlite_keys(db: &std::path::Path, like: &str) -> Vec<String> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys\n\
             c=sqlite3.connect(sys.argv[1])\n\
             for (k,) in c.execute(\"SELECT key FROM spin_key_value WHERE store='default' AND key LIKE ?\", (sys.argv[2],)): print(k)",
        )
        .arg(db)
        .arg(like)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn default_store_lives_where_the_runtime_config_says() {
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("runtime-config.toml");
    std::fs::write(
        &rc,
        "[key_value_store.default]\ntype = \"spin\"\npath = \"state/lathe-kv.db\"\n",
    )
    .unwrap();
    let lathe = Lathe::start_with_args(&["--runtime-config-file", rc.to_str().unwrap()]);
    let user_token = lathe.new_user("rcuser");
    assert!(!user_token.is_empty());
    let db = dir.path().join("state/lathe-kv.db");
    assert!(db.exists(), "the configured SQLite file was not created");
    let users = sqlite_keys(&db, "user/%");
    assert!(users.len() >= 2, "admin and the new user: {users:?}");
    let names = sqlite_keys(&db, "username/rcuser");
    assert_eq!(names, ["username/rcuser"]);
    // Nothing went to the data directory's default file.
    let default_file = lathe.data_dir().join("key-value.db");
    assert!(
        !default_file.exists() || sqlite_keys(&default_file, "user/%").is_empty(),
        "records leaked into the default file"
    );
}

fn check_with(rc_text: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("runtime-config.toml");
    std::fs::write(&rc, rc_text).unwrap();
    let out = Command::new(repo_root().join("target/release/lathe-host"))
        .current_dir(repo_root())
        .arg("--check")
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--cache-dir")
        .arg(repo_root().join("target/lathe-test-cache"))
        .arg("--runtime-config-file")
        .arg(&rc)
        .output()
        .expect("lathe-host");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn runtime_configs_the_host_cannot_honour_stop_it_with_spins_words() {
    let (ok, log) =
        check_with("[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1\"\n");
    assert!(!ok);
    assert!(
        log.contains("could not configure key-value store with label 'default'")
            && log.contains("the store type 'redis' was not registered"),
        "{log}"
    );
    let (ok, log) = check_with("[frobnicate]\nx = 1\n");
    assert!(!ok);
    assert!(
        log.contains("unused runtime config key(s): frobnicate"),
        "{log}"
    );
    let (ok, log) = check_with("[key_value_store.default]\npath = \"x.db\"\n");
    assert!(!ok);
    assert!(log.contains("type"), "{log}");
    let (ok, log) = check_with("[key_value_store.cache]\ntype = \"spin\"\n");
    assert!(ok, "an extra in-memory label is fine: {log}");
}

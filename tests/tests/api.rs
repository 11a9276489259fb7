//! The API around the tools: auth, sessions, API keys, roles, ownership, the catalog,
//! restarts, and a first tool (resize) end to end.

use lathe_tests::{fixtures, json, shared, Lathe, ADMIN_PASSWORD};

#[test]
fn health_and_auth_config_are_public() {
    let lathe = shared();
    let r = lathe.get("/api/v1/health", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "healthy");
    let r = lathe.get("/api/v1/config/auth", None);
    assert_eq!(r.json(), json!({"authEnabled": true}));
}

#[test]
fn login_session_logout() {
    let lathe = shared();
    let r = lathe.login("admin", ADMIN_PASSWORD);
    assert_eq!(r.status, 200);
    let body = r.json();
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "admin");

    let r = lathe.get("/api/auth/session", Some(&token));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["user"]["username"], "admin");

    assert_eq!(
        lathe
            .post_json("/api/auth/logout", Some(&token), &json!({}))
            .status,
        200
    );
    let r = lathe.get("/api/auth/session", Some(&token));
    assert_eq!(r.assert_client_error(401), "AUTH_REQUIRED");
}

#[test]
fn wrong_password_and_unknown_user_are_401() {
    let lathe = shared();
    assert_eq!(
        lathe
            .login("admin", "not-the-password")
            .assert_client_error(401),
        "INVALID_CREDENTIALS"
    );
    assert_eq!(
        lathe
            .login("nobody", "whatever-password")
            .assert_client_error(401),
        "INVALID_CREDENTIALS"
    );
    assert_eq!(
        lathe
            .post_raw(
                "/api/auth/login",
                None,
                "application/json",
                b"{oops".to_vec()
            )
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
}

#[test]
fn no_or_bad_token_is_401() {
    let lathe = shared();
    assert_eq!(
        lathe.get("/api/v1/tools", None).assert_client_error(401),
        "AUTH_REQUIRED"
    );
    assert_eq!(
        lathe
            .get("/api/v1/tools", Some("made-up-token"))
            .assert_client_error(401),
        "AUTH_REQUIRED"
    );
    let r = lathe.run_tool_files("image", "resize", &[], "{}");
    assert_eq!(r.status, 400, "admin with no file");
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        None,
        &[("file", "a.jpg", fixtures::jpeg(8, 8))],
        Some("{}"),
    );
    assert_eq!(r.assert_client_error(401), "AUTH_REQUIRED");
}

#[test]
fn api_keys_are_shown_once_work_and_stop_working_when_revoked() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let r = lathe.post_json("/api/v1/api-keys", Some(&admin), &json!({"name": "script"}));
    assert_eq!(r.status, 201);
    let created = r.json();
    let key = created["key"].as_str().unwrap().to_string();
    assert!(
        key.starts_with("si_")
            && key.len() == 99
            && key[3..].chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(created["name"], "script");
    let id = created["id"].as_str().unwrap().to_string();

    // The key authenticates, by Bearer and by x-api-key.
    assert_eq!(lathe.get("/api/v1/tools", Some(&key)).status, 200);
    let listed = lathe.get("/api/v1/api-keys", Some(&admin)).json();
    let entry = listed["apiKeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(entry.get("key").is_none(), "the raw key is never listed");
    assert!(
        !listed.to_string().contains(&key[3..]),
        "no trace of the raw key in the list"
    );
    assert!(entry["lastUsedAt"].is_string(), "use is recorded: {entry}");

    // Revoked: 401.
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/api-keys/{id}"), Some(&admin))
            .status,
        200
    );
    assert_eq!(
        lathe
            .get("/api/v1/tools", Some(&key))
            .assert_client_error(401),
        "AUTH_REQUIRED"
    );
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/api-keys/{id}"), Some(&admin))
            .assert_client_error(404),
        "NOT_FOUND"
    );
}

#[test]
fn users_cannot_use_admin_routes_or_each_others_keys() {
    let lathe = shared();
    let alice = lathe.new_user("alice");
    assert_eq!(
        lathe
            .get("/api/auth/users", Some(&alice))
            .assert_client_error(403),
        "FORBIDDEN"
    );
    let r = lathe.post_json(
        "/api/auth/register",
        Some(&alice),
        &json!({"username": "mallory", "password": "password123"}),
    );
    assert_eq!(r.assert_client_error(403), "FORBIDDEN");

    let admin = lathe.admin_token();
    let users = lathe.get("/api/auth/users", Some(&admin)).json();
    let names: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"admin") && names.contains(&"alice"),
        "{names:?}"
    );
    assert!(
        !users.to_string().contains("scrypt"),
        "password hashes never leave the server"
    );

    // Duplicate names and weak passwords are refused.
    let r = lathe.post_json(
        "/api/auth/register",
        Some(&admin),
        &json!({"username": "alice", "password": "password123"}),
    );
    assert_eq!(r.assert_client_error(409), "CONFLICT");
    // Registering one name many times at once: exactly one user gets it (the name is
    // claimed with compare-and-swap), every other call is 409, and the list shows it once.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..8)
            .map(|i| {
                let admin = admin.as_str();
                scope.spawn(move || {
                    let body =
                        json!({"username": "Twin", "password": format!("password-{i}-long")});
                    lathe
                        .post_json("/api/auth/register", Some(admin), &body)
                        .status
                })
            })
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    assert_eq!(
        (
            statuses.iter().filter(|s| **s == 201).count(),
            statuses.iter().filter(|s| **s == 409).count()
        ),
        (1, 7),
        "{statuses:?}"
    );
    let users = lathe.get("/api/auth/users", Some(&admin)).json();
    let twins = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            u["username"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("twin"))
        })
        .count();
    assert_eq!(twins, 1, "{users}");
    let r = lathe.post_json(
        "/api/auth/register",
        Some(&admin),
        &json!({"username": "shorty", "password": "short"}),
    );
    assert_eq!(r.assert_client_error(400), "VALIDATION_ERROR");

    // Alice cannot delete the admin's key.
    let key = lathe
        .post_json(
            "/api/v1/api-keys",
            Some(&admin),
            &json!({"name": "admin-key"}),
        )
        .json();
    let id = key["id"].as_str().unwrap();
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/api-keys/{id}"), Some(&alice))
            .assert_client_error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        lathe
            .get("/api/v1/tools", Some(key["key"].as_str().unwrap()))
            .status,
        200
    );
}

#[test]
fn one_user_cannot_download_anothers_result_but_admin_can() {
    let lathe = shared();
    let bob = lathe.new_user("bob");
    let carol = lathe.new_user("carol");
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&bob),
        &[("file", "bob.jpg", fixtures::jpeg(64, 48))],
        Some(r#"{"width":32}"#),
    );
    assert_eq!(r.status, 200);
    let url = r.json()["downloadUrl"].as_str().unwrap().to_string();
    assert_eq!(lathe.get(&url, Some(&bob)).status, 200);
    assert_eq!(
        lathe.get(&url, Some(&carol)).assert_client_error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        lathe.get(&url, None).assert_client_error(401),
        "AUTH_REQUIRED"
    );
    assert_eq!(lathe.get(&url, Some(&lathe.admin_token())).status, 200);
    let job = url.split('/').nth(4).unwrap();
    assert_eq!(
        lathe
            .get(&format!("/api/v1/jobs/{job}"), Some(&carol))
            .status,
        404
    );
    assert_eq!(
        lathe.get(&format!("/api/v1/jobs/{job}"), Some(&bob)).json()["status"],
        "completed"
    );
}

#[test]
fn change_password_revokes_other_sessions_and_keys() {
    let lathe = shared();
    let dave = lathe.new_user("dave");
    let other_session = lathe.login("dave", "dave-password").json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let key = lathe
        .post_json("/api/v1/api-keys", Some(&dave), &json!({"name": "k"}))
        .json()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let r = lathe.post_json(
        "/api/auth/change-password",
        Some(&dave),
        &json!({"currentPassword": "wrong-password", "newPassword": "new-password-1"}),
    );
    assert_eq!(r.assert_client_error(401), "INVALID_CREDENTIALS");
    let r = lathe.post_json(
        "/api/auth/change-password",
        Some(&dave),
        &json!({"currentPassword": "dave-password", "newPassword": "new-password-1"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        lathe.get("/api/auth/session", Some(&dave)).status,
        200,
        "the current session stays"
    );
    assert_eq!(
        lathe.get("/api/auth/session", Some(&other_session)).status,
        401
    );
    assert_eq!(lathe.get("/api/v1/tools", Some(&key)).status, 401);
    assert_eq!(lathe.login("dave", "dave-password").status, 401);
    assert_eq!(lathe.login("dave", "new-password-1").status, 200);
}

#[test]
fn catalog_lists_tools_from_their_own_descriptions() {
    let lathe = shared();
    let r = lathe.get("/api/v1/tools", Some(&lathe.admin_token()));
    assert_eq!(r.status, 200);
    let tools = r.json()["tools"].as_array().unwrap().clone();
    let resize = tools
        .iter()
        .find(|t| t["id"] == "resize")
        .expect("resize is listed");
    assert_eq!(resize["section"], "image");
    assert_eq!(resize["kind"], "pure");
    assert!(resize["settingsSchema"]["properties"]["width"].is_object());
    let audio = tools
        .iter()
        .find(|t| t["id"] == "extract-audio")
        .expect("the native tool is listed");
    assert_eq!(audio["kind"], "native");
    // The describe route of a tool answers with the same entry; the catalog adds whether an
    // admin disabled it.
    assert_eq!(resize["disabled"], false);
    let mut listed = resize.clone();
    listed.as_object_mut().unwrap().remove("disabled");
    assert_eq!(lathe.get("/api/v1/tools/image/resize", None).json(), listed);
    // Unknown tools are 404 with a code.
    let r = lathe.run_tool("image", "no-such-tool", "a.jpg", fixtures::jpeg(8, 8), "{}");
    assert_eq!(r.assert_client_error(404), "NOT_FOUND");
}

#[test]
fn oversized_upload_is_413_and_server_stays_healthy() {
    let lathe = shared();
    let big = vec![0u8; 101 * 1024 * 1024];
    let r = lathe.run_tool("image", "resize", "big.jpg", big, r#"{"width":10}"#);
    assert_eq!(r.assert_client_error(413), "FILE_TOO_LARGE");
    lathe.assert_healthy();
}

#[test]
fn results_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url;
    let token;
    {
        let lathe = Lathe::start_on(&data);
        token = lathe
            .post_json(
                "/api/v1/api-keys",
                Some(&lathe.admin_token()),
                &json!({"name": "persist"}),
            )
            .json()["key"]
            .as_str()
            .unwrap()
            .to_string();
        let r = lathe.post_multipart(
            "/api/v1/tools/image/resize",
            Some(&token),
            &[("file", "p.jpg", fixtures::jpeg(200, 100))],
            Some(r#"{"width":50}"#),
        );
        assert_eq!(r.status, 200);
        url = r.json()["downloadUrl"].as_str().unwrap().to_string();
        lathe.stop();
    }
    let lathe = Lathe::start_on(&data);
    let r = lathe.get(&url, Some(&token));
    assert_eq!(r.status, 200, "the result and the key survive a restart");
    let img = fixtures::decode(&r.body);
    assert_eq!((img.width(), img.height()), (50, 25));
    assert_eq!(lathe.login("admin", ADMIN_PASSWORD).status, 200);
}

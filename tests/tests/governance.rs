//! Accounts and governance (issue 9): permissions (each one both ways), custom roles,
//! users, teams, runtime settings (disabled tools, login lockout), the audit log, rate
//! limits and quotas, API-key scope/expiry/rotation, request ids, admin health,
//! analytics, features, and the IDOR matrix.

use std::time::{Duration, Instant};

use lathe_tests::{fixtures, json, shared, Lathe, ADMIN_PASSWORD};

/// Creates a custom role with exactly `permissions` and a user holding it; returns the
/// user's id and session token.
fn user_with(lathe: &Lathe, name: &str, permissions: &[&str]) -> (String, String) {
    let admin = lathe.admin_token();
    let r = lathe.post_json(
        "/api/v1/roles",
        Some(&admin),
        &json!({"name": format!("role-{name}"), "description": "test", "permissions": permissions}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let role = r.json()["role"]["id"].as_str().unwrap().to_string();
    let password = format!("{name}-password");
    let r = lathe.post_json(
        "/api/auth/register",
        Some(&admin),
        &json!({"username": name, "password": password, "role": role}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    let login = lathe.login(name, &password);
    assert_eq!(login.status, 200);
    (id, login.json()["token"].as_str().unwrap().to_string())
}

/// The 17 permissions of seed 001.
const PERMISSIONS: [&str; 17] = [
    "tools:use",
    "files:own",
    "files:all",
    "apikeys:own",
    "apikeys:all",
    "pipelines:own",
    "pipelines:all",
    "settings:read",
    "settings:write",
    "users:manage",
    "teams:manage",
    "features:manage",
    "system:health",
    "audit:read",
    "compliance:manage",
    "webhooks:manage",
    "security:manage",
];

/// Whether the probe of `permission` succeeds for the user (`id`, `token`). Each probe is a
/// route that needs that permission; `admin_pipeline` is a pipeline of the admin's that
/// only `pipelines:all` shows.
fn probe(lathe: &Lathe, permission: &str, id: &str, token: &str, admin_pipeline: &str) -> bool {
    let t = Some(token);
    let status = match permission {
        "tools:use" => lathe.get("/api/v1/pipeline/tools", t).status,
        "files:own" => lathe.get("/api/v1/files", t).status,
        "files:all" => lathe.get("/api/v1/files?all=true", t).status,
        "apikeys:own" => lathe.get("/api/v1/api-keys", t).status,
        "apikeys:all" => lathe.get("/api/v1/api-keys?all=true", t).status,
        "pipelines:own" => lathe.get("/api/v1/pipeline/list", t).status,
        "pipelines:all" => {
            let r = lathe.get("/api/v1/pipeline/list", t);
            if r.status != 200 {
                return false;
            }
            let seen = r.json()["pipelines"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == admin_pipeline);
            return seen;
        }
        "settings:read" => lathe.get("/api/v1/settings", t).status,
        "settings:write" => {
            lathe
                .put_json("/api/v1/settings", t, &json!({"probeKey": "x"}))
                .status
        }
        "users:manage" => lathe.get("/api/auth/users", t).status,
        "teams:manage" => lathe.get("/api/v1/teams", t).status,
        "features:manage" => lathe.get("/api/v1/admin/features/disk-usage", t).status,
        "system:health" => lathe.get("/api/v1/admin/health", t).status,
        "audit:read" => lathe.get("/api/v1/audit-log?limit=1", t).status,
        "compliance:manage" => {
            lathe
                .get(&format!("/api/v1/admin/users/{id}/export"), t)
                .status
        }
        "webhooks:manage" => lathe.get("/api/v1/webhooks?all=true", t).status,
        "security:manage" => {
            lathe
                .post_json(&format!("/api/auth/users/{id}/unlock"), t, &json!({}))
                .status
        }
        other => panic!("no probe for {other}"),
    };
    assert!(
        status == 200 || status == 403,
        "{permission}: unexpected status {status}"
    );
    status == 200
}

/// Which permissions a probe accepts: an `:all` permission also opens the matching
/// `:own` route.
fn opens(granted: &str, probed: &str) -> bool {
    granted == probed
        || matches!(
            (granted, probed),
            ("files:all", "files:own")
                | ("apikeys:all", "apikeys:own")
                | ("pipelines:all", "pipelines:own")
        )
}

#[test]
fn every_permission_works_both_ways_and_grants_nothing_else() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let r = lathe.post_json(
        "/api/v1/pipeline/save",
        Some(&admin),
        &json!({"name": "admin-only", "steps": [{"toolId": "resize", "settings": {"width": 10}}]}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let admin_pipeline = r.json()["id"].as_str().unwrap().to_string();

    let (none_id, none_token) = user_with(lathe, "perm-none", &[]);
    for permission in PERMISSIONS {
        assert!(
            !probe(lathe, permission, &none_id, &none_token, &admin_pipeline),
            "a role without permissions passed the {permission} probe"
        );
    }
    for granted in PERMISSIONS {
        let name = format!("perm-{}", granted.replace(':', "-"));
        let (id, token) = user_with(lathe, &name, &[granted]);
        for probed in PERMISSIONS {
            assert_eq!(
                probe(lathe, probed, &id, &token, &admin_pipeline),
                opens(granted, probed),
                "role with only {granted}: probe of {probed}"
            );
        }
    }
}

#[test]
fn tools_need_tools_use_and_the_session_reports_permissions() {
    let lathe = shared();
    let (_, no_tools) = user_with(lathe, "no-tools", &["files:own"]);
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&no_tools),
        &[("file", "a.png", fixtures::png_rgba(20, 20))],
        Some(r#"{"width":10}"#),
    );
    assert_eq!(r.assert_client_error(403), "FORBIDDEN");
    let session = lathe.get("/api/auth/session", Some(&no_tools)).json();
    assert_eq!(session["user"]["permissions"], json!(["files:own"]));

    let user = lathe.new_user("plain-user-perms");
    let session = lathe.get("/api/auth/session", Some(&user)).json();
    assert_eq!(
        session["user"]["permissions"],
        json!([
            "tools:use",
            "files:own",
            "apikeys:own",
            "pipelines:own",
            "settings:read"
        ])
    );
    // The built-in user role is not an admin.
    assert_eq!(
        lathe
            .get("/api/auth/users", Some(&user))
            .assert_client_error(403),
        "FORBIDDEN"
    );
}

#[test]
fn custom_roles_are_checked_and_builtins_are_immutable() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let r = lathe.post_json(
        "/api/v1/roles",
        a,
        &json!({"name": "bad-perm", "permissions": ["tools:use", "root:all"]}),
    );
    assert_eq!(r.assert_client_error(400), "VALIDATION_ERROR");
    assert!(r.json()["error"].as_str().unwrap().contains("root:all"));
    assert_eq!(
        lathe
            .post_json("/api/v1/roles", a, &json!({"name": "no-perms-field"}))
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
    let r = lathe.post_json(
        "/api/v1/roles",
        a,
        &json!({"name": "Auditor", "description": "reads the log", "permissions": ["audit:read"]}),
    );
    assert_eq!(r.status, 201);
    let role = r.json()["role"].clone();
    let role_id = role["id"].as_str().unwrap().to_string();
    assert_eq!(role["permissions"], json!(["audit:read"]));
    assert_eq!(
        lathe
            .post_json(
                "/api/v1/roles",
                a,
                &json!({"name": "auditor", "permissions": []})
            )
            .assert_client_error(409),
        "CONFLICT"
    );
    for builtin in ["admin", "user"] {
        assert_eq!(
            lathe
                .put_json(
                    &format!("/api/v1/roles/{builtin}"),
                    a,
                    &json!({"permissions": []})
                )
                .assert_client_error(403),
            "BUILTIN_ROLE"
        );
        assert_eq!(
            lathe
                .delete(&format!("/api/v1/roles/{builtin}"), a)
                .assert_client_error(403),
            "BUILTIN_ROLE"
        );
    }
    // A user of the role; the list counts them.
    let password = "auditor-user-password";
    let r = lathe.post_json(
        "/api/auth/register",
        a,
        &json!({"username": "auditor-user", "password": password, "role": role_id}),
    );
    assert_eq!(r.status, 201);
    let user_id = r.json()["user"]["id"].as_str().unwrap().to_string();
    let roles = lathe.get("/api/v1/roles", a).json()["roles"].clone();
    let listed = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == role_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["userCount"], 1);
    assert!(roles.as_array().unwrap().iter().any(|r| r["id"] == "admin"
        && r["builtin"] == true
        && r["permissions"].as_array().unwrap().len() == 17));
    // Update, then delete: the user falls back to `user`.
    let r = lathe.put_json(
        &format!("/api/v1/roles/{role_id}"),
        a,
        &json!({"permissions": ["audit:read", "system:health"]}),
    );
    assert_eq!(r.status, 200);
    let token = lathe.login("auditor-user", password).json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(lathe.get("/api/v1/admin/health", Some(&token)).status, 200);
    let r = lathe.delete(&format!("/api/v1/roles/{role_id}"), a);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["usersMoved"], 1);
    let users = lathe.get("/api/auth/users", a).json()["users"].clone();
    let user = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == user_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(user["role"], "user");
    assert_eq!(
        lathe
            .get("/api/v1/admin/health", Some(&token))
            .assert_client_error(403),
        "FORBIDDEN"
    );
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/roles/{role_id}"), a)
            .assert_client_error(404),
        "NOT_FOUND"
    );
}

#[test]
fn nobody_grants_what_they_do_not_hold() {
    let lathe = shared();
    let (_, manager) = user_with(lathe, "user-manager", &["users:manage"]);
    let m = Some(manager.as_str());
    assert_eq!(
        lathe
            .post_json(
                "/api/v1/roles",
                m,
                &json!({"name": "sneaky", "permissions": ["files:all"]}),
            )
            .assert_client_error(403),
        "ESCALATION_DENIED"
    );
    assert_eq!(
        lathe
            .post_json(
                "/api/auth/register",
                m,
                &json!({"username": "sneaky-admin", "password": "sneaky-password", "role": "admin"}),
            )
            .assert_client_error(403),
        "ESCALATION_DENIED"
    );
    // A key cannot widen its owner's permissions either.
    let user = lathe.new_user("key-escalation");
    assert_eq!(
        lathe
            .post_json(
                "/api/v1/api-keys",
                Some(&user),
                &json!({"name": "wide", "permissions": ["users:manage"]}),
            )
            .assert_client_error(403),
        "ESCALATION_DENIED"
    );
}

#[test]
fn users_are_updated_reset_and_deleted_with_everything_they_own() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let token = lathe.new_user("doomed-user");
    let me = lathe.get("/api/auth/session", Some(&token)).json()["user"].clone();
    let id = me["id"].as_str().unwrap().to_string();
    assert_eq!(me["team"], "default");

    // Update: unknown role / team / user.
    assert_eq!(
        lathe
            .put_json(
                &format!("/api/auth/users/{id}"),
                a,
                &json!({"role": "wizard"})
            )
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
    assert_eq!(
        lathe
            .put_json(
                &format!("/api/auth/users/{id}"),
                a,
                &json!({"team": "nowhere"})
            )
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
    assert_eq!(
        lathe
            .put_json(
                "/api/auth/users/00000000-0000-4000-8000-000000000000",
                a,
                &json!({"role": "user"}),
            )
            .assert_client_error(404),
        "NOT_FOUND"
    );
    let team = lathe.post_json("/api/v1/teams", a, &json!({"name": "Doomed team"}));
    assert_eq!(team.status, 201);
    let team_id = team.json()["team"]["id"].as_str().unwrap().to_string();
    let r = lathe.put_json(
        &format!("/api/auth/users/{id}"),
        a,
        &json!({"team": team_id}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["user"]["team"], team_id.as_str());

    // Things the user owns: a job, a library file, a key, a pipeline.
    let run = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&token),
        &[("file", "a.png", fixtures::png_rgba(20, 20))],
        Some(r#"{"width":10}"#),
    );
    assert_eq!(run.status, 200);
    let job = run.json()["jobId"].as_str().unwrap().to_string();
    let upload = lathe.post_multipart(
        "/api/v1/files/upload",
        Some(&token),
        &[("files", "keep.png", fixtures::png_rgba(8, 8))],
        None,
    );
    assert_eq!(
        upload.status,
        201,
        "{}",
        String::from_utf8_lossy(&upload.body)
    );
    let file = upload.json()["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = lathe.post_json("/api/v1/api-keys", Some(&token), &json!({"name": "k"}));
    let raw_key = key.json()["key"].as_str().unwrap().to_string();
    let pipeline = lathe.post_json(
        "/api/v1/pipeline/save",
        Some(&token),
        &json!({"name": "mine", "steps": [{"toolId": "resize", "settings": {"width": 5}}]}),
    );
    let pipeline = pipeline.json()["id"].as_str().unwrap().to_string();

    // Reset password: old sessions and keys end, the new password works.
    let r = lathe.post_json(
        &format!("/api/auth/users/{id}/reset-password"),
        a,
        &json!({"newPassword": "brand-new-password"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        lathe
            .get("/api/auth/session", Some(&token))
            .assert_client_error(401),
        "AUTH_REQUIRED"
    );
    assert_eq!(lathe.get("/api/v1/files", Some(&raw_key)).status, 401);
    assert_eq!(
        lathe.login("doomed-user", "doomed-user-password").status,
        401
    );
    assert_eq!(lathe.login("doomed-user", "brand-new-password").status, 200);
    assert_eq!(
        lathe
            .post_json(
                &format!("/api/auth/users/{id}/reset-password"),
                a,
                &json!({"newPassword": "short"}),
            )
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );

    // The team cannot go while it has a member.
    assert_eq!(
        lathe
            .delete(&format!("/api/v1/teams/{team_id}"), a)
            .assert_client_error(409),
        "TEAM_HAS_MEMBERS"
    );

    // Delete the user: everything of theirs goes.
    let r = lathe.delete(&format!("/api/auth/users/{id}"), a);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(lathe.login("doomed-user", "brand-new-password").status, 401);
    assert_eq!(
        lathe
            .get(&format!("/api/v1/jobs/{job}"), a)
            .assert_client_error(404),
        "NOT_FOUND"
    );
    assert_eq!(lathe.get(&format!("/api/v1/files/{file}"), a).status, 404);
    let r = lathe.delete(&format!("/api/v1/pipeline/{pipeline}"), a);
    assert_eq!(r.status, 404);
    let users = lathe.get("/api/auth/users", a).json();
    assert!(!users["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["id"] == id.as_str()));
    assert_eq!(
        lathe
            .delete(&format!("/api/auth/users/{id}"), a)
            .assert_client_error(404),
        "NOT_FOUND"
    );
    // Now the team is empty and can go.
    assert_eq!(
        lathe.delete(&format!("/api/v1/teams/{team_id}"), a).status,
        200
    );
}

#[test]
fn the_last_admin_stays() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let admin_id = lathe.get("/api/auth/session", Some(&admin)).json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        lathe
            .delete(&format!("/api/auth/users/{admin_id}"), Some(&admin))
            .assert_client_error(400),
        "SELF_DELETE"
    );
    let (_, manager) = user_with(lathe, "admin-remover", &["users:manage"]);
    assert_eq!(
        lathe
            .delete(&format!("/api/auth/users/{admin_id}"), Some(&manager))
            .assert_client_error(409),
        "LAST_ADMIN"
    );
    assert_eq!(
        lathe
            .put_json(
                &format!("/api/auth/users/{admin_id}"),
                Some(&admin),
                &json!({"role": "user"}),
            )
            .assert_client_error(409),
        "LAST_ADMIN"
    );
    assert_eq!(lathe.get("/api/auth/users", Some(&admin)).status, 200);
}

#[test]
fn teams_have_a_default_unique_names_and_guards() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let teams = lathe.get("/api/v1/teams", a).json()["teams"].clone();
    assert!(teams
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == "default" && t["isDefault"] == true));
    let r = lathe.post_json("/api/v1/teams", a, &json!({"name": "Design"}));
    assert_eq!(r.status, 201);
    let id = r.json()["team"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        lathe
            .post_json("/api/v1/teams", a, &json!({"name": "design"}))
            .assert_client_error(409),
        "CONFLICT"
    );
    assert_eq!(
        lathe
            .post_json("/api/v1/teams", a, &json!({"name": ""}))
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
    let r = lathe.put_json(
        &format!("/api/v1/teams/{id}"),
        a,
        &json!({"name": "Design & Brand"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["team"]["name"], "Design & Brand");
    assert_eq!(
        lathe
            .delete("/api/v1/teams/default", a)
            .assert_client_error(409),
        "DEFAULT_TEAM"
    );
    assert_eq!(
        lathe
            .delete("/api/v1/teams/00000000-0000-4000-8000-000000000000", a)
            .assert_client_error(404),
        "NOT_FOUND"
    );
    assert_eq!(lathe.delete(&format!("/api/v1/teams/{id}"), a).status, 200);
    let teams = lathe.get("/api/v1/teams", a).json()["teams"].clone();
    assert!(!teams
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == id.as_str()));
}

/// Settings change the whole server, so these run on a host of their own.
#[test]
fn settings_disable_tools_and_lock_out_logins() {
    let lathe = Lathe::start();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let settings = lathe.get("/api/v1/settings", a).json()["settings"].clone();
    assert_eq!(settings["disabledTools"], "[]");
    assert_eq!(settings["loginAttemptLimit"], "10");
    assert_eq!(
        lathe
            .get("/api/v1/settings/noSuchSetting", a)
            .assert_client_error(404),
        "NOT_FOUND"
    );
    for bad in [
        json!({"disabledTools": "resize"}),
        json!({"loginAttemptLimit": "many"}),
        json!({"enableExperimentalTools": "perhaps"}),
        json!({"bad key!": 1}),
        json!([]),
    ] {
        assert_eq!(
            lathe
                .put_json("/api/v1/settings", a, &bad)
                .assert_client_error(400),
            "VALIDATION_ERROR",
            "{bad}"
        );
    }
    // Disable resize: its routes answer 403, the catalog marks it, pipelines refuse it.
    let r = lathe.put_json("/api/v1/settings", a, &json!({"disabledTools": ["resize"]}));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        lathe.get("/api/v1/settings/disabledTools", a).json()["value"],
        r#"["resize"]"#
    );
    let png = fixtures::png_rgba(20, 20);
    let run = lathe.run_tool("image", "resize", "a.png", png.clone(), r#"{"width":10}"#);
    assert_eq!(run.assert_client_error(403), "TOOL_DISABLED");
    let tools = lathe.get("/api/v1/tools", a).json()["tools"].clone();
    let resize = tools
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "resize")
        .unwrap()
        .clone();
    assert_eq!(resize["disabled"], true);
    let r = lathe.post_form(
        "/api/v1/pipeline/execute",
        a,
        &[("file", "a.png", png.clone())],
        &[(
            "pipeline",
            r#"{"steps":[{"toolId":"rotate","settings":{"angle":90}},{"toolId":"resize","settings":{"width":5}}]}"#,
        )],
    );
    assert_eq!(r.assert_client_error(403), "TOOL_DISABLED");
    assert_eq!(r.json()["step"], 2);
    // Other tools still run; enabling again restores resize.
    assert_eq!(
        lathe
            .run_tool("image", "rotate", "a.png", png.clone(), r#"{"angle":90}"#)
            .status,
        200
    );
    lathe.put_json("/api/v1/settings", a, &json!({"disabledTools": "[]"}));
    assert_eq!(
        lathe
            .run_tool("image", "resize", "a.png", png, r#"{"width":10}"#)
            .status,
        200
    );

    // Lockout: 3 failures lock the name; even the right password is refused; unlock.
    let token = lathe.new_user("lockme");
    let id = lathe.get("/api/auth/session", Some(&token)).json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = lathe.put_json("/api/v1/settings", a, &json!({"loginAttemptLimit": 3}));
    assert_eq!(r.status, 200);
    for _ in 0..3 {
        assert_eq!(lathe.login("lockme", "wrong-password").status, 401);
    }
    let r = lathe.login("lockme", "lockme-password");
    assert_eq!(r.assert_client_error(429), "ACCOUNT_LOCKED");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Unknown names lock the same way, so the answer reveals nothing.
    for _ in 0..3 {
        assert_eq!(lathe.login("ghost-user", "wrong-password").status, 401);
    }
    assert_eq!(lathe.login("ghost-user", "wrong-password").status, 429);
    // Only security:manage unlocks (and changes the limit).
    let (_, settings_writer) = user_with(&lathe, "settings-writer", &["settings:write"]);
    assert_eq!(
        lathe
            .put_json(
                "/api/v1/settings",
                Some(&settings_writer),
                &json!({"loginAttemptLimit": 0}),
            )
            .assert_client_error(403),
        "FORBIDDEN"
    );
    let r = lathe.post_json(&format!("/api/auth/users/{id}/unlock"), a, &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(lathe.login("lockme", "lockme-password").status, 200);
    let log = lathe
        .get("/api/v1/audit-log?action=ACCOUNT_LOCKED", a)
        .json();
    assert!(log["total"].as_u64().unwrap() >= 2, "{log}");

    // Parallel updates of different settings all land (compare-and-swap on the record).
    std::thread::scope(|scope| {
        let lathe = &lathe;
        for i in 0..12 {
            scope.spawn(move || {
                let r = lathe.put_json("/api/v1/settings", a, &json!({format!("race.key{i}"): i}));
                assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
            });
        }
    });
    let settings = lathe.get("/api/v1/settings", a).json();
    for i in 0..12 {
        assert_eq!(
            settings["settings"][format!("race.key{i}")],
            json!(i),
            "a parallel update was lost: {settings}"
        );
    }

    // A burst of parallel guesses is counted in full (atomic counter): exactly the limit
    // of concurrent failures locks the name, with a single audit entry for it.
    let r = lathe.put_json("/api/v1/settings", a, &json!({"loginAttemptLimit": 12}));
    assert_eq!(r.status, 200);
    lathe.new_user("burst");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..12)
            .map(|_| scope.spawn(|| lathe.login("burst", "wrong-password").status))
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let r = lathe.login("burst", "burst-password");
    assert_eq!(
        r.assert_client_error(429),
        "ACCOUNT_LOCKED",
        "12 parallel failures must lock at limit 12"
    );
    let log = lathe
        .get("/api/v1/audit-log?action=ACCOUNT_LOCKED&search=burst", a)
        .json();
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    let burst = entries
        .iter()
        .filter(|e| e.to_string().contains("burst"))
        .count();
    assert_eq!(burst, 1, "one lock, one audit entry: {log}");
}

#[test]
fn the_audit_log_records_actions_with_request_ids_and_filters() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let before = lathe.get("/api/v1/health", None);
    assert!(before.header("x-request-id").is_some());
    let r = lathe.post_with_headers(
        "/api/v1/roles",
        a,
        &[("X-Request-Id", "req-audit-test-1")],
        Some((
            "application/json",
            json!({"name": "audited-role", "permissions": ["tools:use"]})
                .to_string()
                .into_bytes(),
        )),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-request-id"), Some("req-audit-test-1"));
    let role_id = r.json()["role"]["id"].as_str().unwrap().to_string();
    assert_eq!(lathe.login("admin", "not-the-admin-password").status, 401);

    let log = lathe
        .get("/api/v1/audit-log?action=ROLE_CREATED&limit=100", a)
        .json();
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["targetId"] == role_id.as_str())
        .unwrap_or_else(|| panic!("no ROLE_CREATED entry: {log}"))
        .clone();
    assert_eq!(entry["requestId"], "req-audit-test-1");
    assert_eq!(entry["actorName"], "admin");
    assert_eq!(entry["targetType"], "role");
    assert!(log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"] == "ROLE_CREATED"));
    let failed = lathe.get("/api/v1/audit-log?action=LOGIN_FAILED", a).json();
    assert!(failed["total"].as_u64().unwrap() >= 1);
    let ok = lathe
        .get("/api/v1/audit-log?action=LOGIN_SUCCESS", a)
        .json();
    assert!(ok["total"].as_u64().unwrap() >= 1);

    // Time filters: nothing is from the future; everything is after 2020.
    let future = lathe.get("/api/v1/audit-log?from=2999-01-01", a).json();
    assert_eq!(future["total"], 0);
    let all = lathe
        .get("/api/v1/audit-log?from=2020-01-01T00:00:00Z&limit=2", a)
        .json();
    assert!(all["total"].as_u64().unwrap() >= 3);
    assert_eq!(all["entries"].as_array().unwrap().len(), 2);
    let to_past = lathe.get("/api/v1/audit-log?to=2000-01-01", a).json();
    assert_eq!(to_past["total"], 0);
    // Newest first, and page 2 continues page 1.
    let p1 = lathe.get("/api/v1/audit-log?limit=2&page=1", a).json();
    let p2 = lathe.get("/api/v1/audit-log?limit=2&page=2", a).json();
    let t1 = p1["entries"][1]["createdAt"].as_str().unwrap().to_string();
    let t2 = p2["entries"][0]["createdAt"].as_str().unwrap().to_string();
    assert!(t1 >= t2, "{t1} < {t2}");
    for bad in [
        "limit=101",
        "limit=0",
        "page=0",
        "from=yesterday",
        "to=2026-13-01",
    ] {
        let r = lathe.get(&format!("/api/v1/audit-log?{bad}"), a);
        assert_eq!(r.assert_client_error(400), "VALIDATION_ERROR", "{bad}");
        assert_eq!(
            r.json()["requestId"].as_str(),
            r.header("x-request-id"),
            "the error names the request"
        );
    }
    // Append-only: no route changes or removes entries.
    let r = lathe.delete("/api/v1/audit-log", a);
    assert_eq!(r.assert_client_error(405), "METHOD_NOT_ALLOWED");
    assert_eq!(r.header("allow"), Some("GET"));
    assert_eq!(
        lathe
            .put_json("/api/v1/audit-log", a, &json!({}))
            .assert_client_error(405),
        "METHOD_NOT_ALLOWED"
    );
}

#[test]
fn rate_limits_and_daily_quotas_answer_429_with_retry_after() {
    let lathe = Lathe::start_with_env(
        &[],
        &[
            ("SPIN_VARIABLE_RATE_LIMIT_PER_MIN", "5"),
            ("SPIN_VARIABLE_RUNS_PER_DAY", "2"),
            ("SPIN_VARIABLE_PLAN", "pro"),
        ],
    );
    // Keep clear of a minute boundary, so the window does not turn during the test.
    let second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if second > 45 {
        std::thread::sleep(Duration::from_secs(61 - second));
    }
    let token = lathe.new_user("rate-user");
    // 20 requests at once from one session: exactly 5 pass (counters are atomic).
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    let r = lathe.get("/api/v1/files", Some(&token));
                    (r.status, r.header("retry-after").map(str::to_string))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let passed = statuses.iter().filter(|(s, _)| *s == 200).count();
    let limited: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!(passed, 5, "{statuses:?}");
    assert_eq!(limited.len(), 15);
    for (_, retry) in limited {
        let secs: u64 = retry.as_ref().expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&secs), "{secs}");
    }
    let r = lathe.get("/api/v1/files", Some(&token));
    assert_eq!(r.assert_client_error(429), "RATE_LIMITED");
    // An API key has a window of its own.
    let quota_user = lathe.new_user("quota-user");
    let key = lathe.post_json("/api/v1/api-keys", Some(&quota_user), &json!({"name": "q"}));
    assert_eq!(key.status, 201);
    let key = key.json()["key"].as_str().unwrap().to_string();
    // Runs per day: two runs, the third is refused until midnight UTC.
    let png = fixtures::png_rgba(20, 20);
    for _ in 0..2 {
        let r = lathe.post_multipart(
            "/api/v1/tools/image/resize",
            Some(&key),
            &[("file", "a.png", png.clone())],
            Some(r#"{"width":10}"#),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let r = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        Some(&key),
        &[("file", "a.png", png)],
        Some(r#"{"width":10}"#),
    );
    assert_eq!(r.assert_client_error(429), "QUOTA_EXCEEDED");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry));
    let usage = lathe.get("/api/v1/usage", Some(&key));
    assert_eq!(usage.status, 200);
    assert_eq!(
        usage.json(),
        json!({"plan": "pro", "runs_today": 2, "runs_per_day": 2, "api_rate_limit": 5})
    );
}

#[test]
fn api_keys_carry_scope_and_expiry_and_rotate() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let r = lathe.post_json(
        "/api/v1/api-keys",
        a,
        &json!({"name": "read-settings", "permissions": ["settings:read"]}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["permissions"], json!(["settings:read"]));
    let scoped = r.json()["key"].as_str().unwrap().to_string();
    assert_eq!(lathe.get("/api/v1/settings", Some(&scoped)).status, 200);
    assert_eq!(
        lathe
            .get("/api/auth/users", Some(&scoped))
            .assert_client_error(403),
        "FORBIDDEN"
    );
    for bad in [
        json!({"permissions": ["settings:read", "everything"]}),
        json!({"expiresAt": "2001-01-01T00:00:00Z"}),
        json!({"expiresAt": "soon"}),
    ] {
        assert_eq!(
            lathe
                .post_json("/api/v1/api-keys", a, &bad)
                .assert_client_error(400),
            "VALIDATION_ERROR",
            "{bad}"
        );
    }
    // A key that expires in two seconds works, then does not.
    let soon_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + 2_000;
    let expires = iso8601(soon_ms);
    let r = lathe.post_json(
        "/api/v1/api-keys",
        a,
        &json!({"name": "short-lived", "expiresAt": expires}),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let short = r.json()["key"].as_str().unwrap().to_string();
    assert_eq!(lathe.get("/api/v1/settings", Some(&short)).status, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = lathe.get("/api/v1/settings", Some(&short));
        if r.status == 401 {
            assert_eq!(r.assert_client_error(401), "AUTH_REQUIRED");
            break;
        }
        assert!(Instant::now() < deadline, "the key never expired");
        std::thread::sleep(Duration::from_millis(250));
    }
    // Rotation: same id, new secret; the old one stops at once.
    let r = lathe.post_json("/api/v1/api-keys", a, &json!({"name": "rotating"}));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let old = r.json()["key"].as_str().unwrap().to_string();
    let r = lathe.post_json(&format!("/api/v1/api-keys/{id}/rotate"), a, &json!({}));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], id.as_str());
    let new = r.json()["key"].as_str().unwrap().to_string();
    assert_ne!(old, new);
    assert_eq!(lathe.get("/api/v1/settings", Some(&old)).status, 401);
    assert_eq!(lathe.get("/api/v1/settings", Some(&new)).status, 200);
    let log = lathe
        .get("/api/v1/audit-log?action=API_KEY_ROTATED", a)
        .json();
    assert!(log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["targetId"] == id.as_str()));
}

/// Formats ms since the epoch as ISO 8601 with Python (an independent clock reader).
fn iso8601(ms: u64) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                "import datetime;print(datetime.datetime.fromtimestamp({}/1000,datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]+'Z')",
                ms
            ),
        ])
        .output()
        .expect("python3");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn admin_health_analytics_and_features() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let deadline = Instant::now() + Duration::from_secs(20);
    let health = loop {
        let h = lathe.get("/api/v1/admin/health", a).json();
        if !h["workers"].as_array().unwrap().is_empty() || Instant::now() > deadline {
            break h;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(health["status"], "healthy");
    assert_eq!(health["database"]["status"], "ok");
    assert!(health["queue"]["depth"].is_u64());
    assert!(health["gpu"]["available"].is_boolean());
    let workers = health["workers"].as_array().unwrap();
    assert!(!workers.is_empty(), "no worker heartbeat: {health}");
    assert!(workers[0]["threads"].as_u64().unwrap() >= 1);
    assert!(health["uptimeSeconds"].is_u64());

    let analytics = lathe.get("/api/v1/config/analytics", None);
    assert_eq!(analytics.status, 200);
    assert_eq!(analytics.json()["posthogKey"], "");
    assert_eq!(analytics.json()["sentryDsn"], "");
    let user = lathe.new_user("analytics-user");
    let u = Some(user.as_str());
    assert_eq!(
        lathe
            .put_json("/api/v1/user/analytics", u, &json!({"enabled": true}))
            .status,
        200
    );
    assert_eq!(
        lathe
            .put_json("/api/v1/user/analytics", u, &json!({"remindLater": true}))
            .status,
        200
    );
    assert_eq!(
        lathe
            .put_json("/api/v1/user/analytics", u, &json!({"enabled": "yes"}))
            .assert_client_error(400),
        "VALIDATION_ERROR"
    );
    assert_eq!(
        lathe
            .put_json("/api/v1/user/analytics", None, &json!({"enabled": true}))
            .assert_client_error(401),
        "AUTH_REQUIRED"
    );

    let features = lathe.get("/api/v1/features", u).json()["features"].clone();
    assert!(features
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "background-removal" && f["installed"] == false));
    assert_eq!(
        lathe
            .post_json(
                "/api/v1/admin/features/no-such-bundle/install",
                a,
                &json!({})
            )
            .assert_client_error(404),
        "NOT_FOUND"
    );
    assert_eq!(
        lathe
            .post_json("/api/v1/admin/features/ocr/install", a, &json!({}))
            .assert_client_error(409),
        "FEATURE_NOT_AVAILABLE"
    );
    assert_eq!(
        lathe
            .post_json("/api/v1/admin/features/ocr/install", u, &json!({}))
            .assert_client_error(403),
        "FORBIDDEN"
    );
    assert_eq!(
        lathe.get("/api/v1/admin/features/disk-usage", a).status,
        200
    );
}

/// Every resource type of one user, tried by another: 404 (never the data), and their
/// lists do not show it.
#[test]
fn one_user_never_reaches_another_users_things() {
    let lathe = shared();
    let alice = lathe.new_user("idor-alice");
    let bob = lathe.new_user("idor-bob");
    let (al, b) = (Some(alice.as_str()), Some(bob.as_str()));
    let run = lathe.post_multipart(
        "/api/v1/tools/image/resize",
        al,
        &[("file", "secret.png", fixtures::png_rgba(20, 20))],
        Some(r#"{"width":10}"#),
    );
    assert_eq!(run.status, 200);
    let job = run.json()["jobId"].as_str().unwrap().to_string();
    let download = run.json()["downloadUrl"].as_str().unwrap().to_string();
    let upload = lathe.post_multipart(
        "/api/v1/files/upload",
        al,
        &[("files", "secret.png", fixtures::png_rgba(8, 8))],
        None,
    );
    let file = upload.json()["files"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = lathe.post_json("/api/v1/api-keys", al, &json!({"name": "alice-key"}));
    let key = key.json()["id"].as_str().unwrap().to_string();
    let pipeline = lathe.post_json(
        "/api/v1/pipeline/save",
        al,
        &json!({"name": "alice-pipe", "steps": [{"toolId": "resize", "settings": {"width": 5}}]}),
    );
    let pipeline = pipeline.json()["id"].as_str().unwrap().to_string();

    let attempts: Vec<(&str, lathe_tests::Reply)> = vec![
        ("job status", lathe.get(&format!("/api/v1/jobs/{job}"), b)),
        (
            "job cancel",
            lathe.delete(&format!("/api/v1/jobs/{job}"), b),
        ),
        (
            "job retry",
            lathe.post_json(&format!("/api/v1/jobs/{job}/retry"), b, &json!({})),
        ),
        (
            "job files",
            lathe.delete(&format!("/api/v1/jobs/{job}/files"), b),
        ),
        ("job download", lathe.get(&download, b)),
        (
            "job progress",
            lathe.get(&format!("/api/v1/jobs/{job}/progress"), b),
        ),
        ("file", lathe.get(&format!("/api/v1/files/{file}"), b)),
        (
            "file download",
            lathe.get(&format!("/api/v1/files/{file}/download"), b),
        ),
        (
            "file thumbnail",
            lathe.get(&format!("/api/v1/files/{file}/thumbnail"), b),
        ),
        (
            "file share",
            lathe.post_json(&format!("/api/v1/files/{file}/share"), b, &json!({})),
        ),
        (
            "save result",
            lathe.post_json("/api/v1/files/save-result", b, &json!({"jobId": job})),
        ),
        (
            "key delete",
            lathe.delete(&format!("/api/v1/api-keys/{key}"), b),
        ),
        (
            "key rotate",
            lathe.post_json(&format!("/api/v1/api-keys/{key}/rotate"), b, &json!({})),
        ),
        (
            "pipeline delete",
            lathe.delete(&format!("/api/v1/pipeline/{pipeline}"), b),
        ),
        (
            "pipeline run",
            lathe.post_form(
                "/api/v1/pipeline/execute",
                b,
                &[("file", "a.png", fixtures::png_rgba(8, 8))],
                &[("pipeline", &json!({"pipelineId": pipeline}).to_string())],
            ),
        ),
        (
            "file as fileId",
            lathe.post_multipart(
                "/api/v1/tools/image/resize",
                b,
                &[],
                Some(&json!({"width": 5, "fileId": file}).to_string()),
            ),
        ),
    ];
    for (what, r) in attempts {
        assert_eq!(
            r.status,
            404,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains("secret.png"), "{what} leaked: {body}");
    }
    let r = lathe.delete("/api/v1/files", b);
    assert!(r.status >= 400);
    let r = lathe.post_raw(
        "/api/v1/files",
        b,
        "application/json",
        json!({"ids": [file]}).to_string().into_bytes(),
    );
    assert!(r.status >= 400);
    // Lists.
    let lists: [(&str, &str); 4] = [
        ("/api/v1/jobs", "jobs"),
        ("/api/v1/files", "files"),
        ("/api/v1/api-keys", "apiKeys"),
        ("/api/v1/pipeline/list", "pipelines"),
    ];
    for (path, field) in lists {
        let r = lathe.get(path, b);
        assert_eq!(r.status, 200, "{path}");
        let text = r.json()[field].to_string();
        for id in [&job, &file, &key, &pipeline] {
            assert!(
                !text.contains(id.as_str()),
                "{path} shows another user's {id}"
            );
        }
    }
    for path in [
        "/api/v1/jobs?all=true",
        "/api/v1/files?all=true",
        "/api/v1/api-keys?all=true",
    ] {
        assert_eq!(
            lathe.get(path, b).assert_client_error(403),
            "FORBIDDEN",
            "{path}"
        );
    }
    // Alice still has everything.
    assert_eq!(lathe.get(&format!("/api/v1/jobs/{job}"), al).status, 200);
    assert_eq!(lathe.get(&format!("/api/v1/files/{file}"), al).status, 200);
    assert_eq!(lathe.get(&download, al).status, 200);
}

#[test]
fn bad_input_is_a_4xx_and_loses_nothing() {
    let lathe = shared();
    let admin = lathe.admin_token();
    let a = Some(admin.as_str());
    let routes_with_bodies: [(&str, &str); 7] = [
        ("POST", "/api/v1/roles"),
        ("POST", "/api/v1/teams"),
        ("PUT", "/api/v1/settings"),
        ("POST", "/api/v1/api-keys"),
        ("POST", "/api/auth/register"),
        ("PUT", "/api/v1/user/analytics"),
        ("POST", "/api/v1/webhooks"),
    ];
    for (method, path) in routes_with_bodies {
        let send = |body: Vec<u8>| {
            if method == "PUT" {
                lathe.put_raw(path, a, "application/json", body)
            } else {
                lathe.post_raw(path, a, "application/json", body)
            }
        };
        let r = send(b"{not json".to_vec());
        assert_eq!(
            r.assert_client_error(400),
            "VALIDATION_ERROR",
            "{method} {path}"
        );
        let big = format!("{{\"name\":\"{}\"}}", "x".repeat(70 * 1024));
        let r = send(big.into_bytes());
        assert_eq!(
            r.assert_client_error(413),
            "PAYLOAD_TOO_LARGE",
            "{method} {path}"
        );
    }
    for path in [
        "/api/v1/roles/00000000-0000-4000-8000-000000000000",
        "/api/v1/teams/00000000-0000-4000-8000-000000000000",
        "/api/v1/teams/not-a-team",
    ] {
        let r = lathe.put_json(path, a, &json!({"name": "x"}));
        assert_eq!(r.status, 404, "{path}");
    }
    // The store kept everything: the admin and the shared users still log in.
    assert_eq!(lathe.login("admin", ADMIN_PASSWORD).status, 200);
    lathe.assert_healthy();
}

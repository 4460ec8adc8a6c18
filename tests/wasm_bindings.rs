//! The JS binding layer (`src/wasm/`) compiled to wasm and run in Node by wasm-bindgen-test-runner:
//! every kind of JS value each export takes, the thrown `Error`s with their `code`, plain-object
//! answers, and calls that keep working after errors.
//!
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!  cargo test --target wasm32-unknown-unknown --test wasm_bindings` (run by `make test`).

#![cfg(target_arch = "wasm32")]

use job_token_scope::wasm as api;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const WORLD: &str = r#"{
  "version": "18.3",
  "projects": [
    { "path": "acme/ci" },
    { "path": "acme/api", "visibility": "private",
      "inbound": { "enabled": true, "projects": ["acme/ci"],
                   "groups": [{ "path": "acme/tools", "defaultPermissions": false, "policies": ["read_packages"] }] } },
    { "path": "acme/tools/deploy" },
    { "path": "acme/docs", "visibility": "public" }
  ],
  "users": { "alice": { "acme": "maintainer" } }
}"#;

const AZURE: &str = r#"{
  "product": "services",
  "organization": { "name": "fabrikam-tailspin" },
  "project": { "name": "SpaceGameWeb", "limitJobScopeNonRelease": true },
  "pipeline": { "kind": "yaml" }
}"#;

/// A JS value from JSON text (what a caller's `JSON.parse` gives).
fn js(json: &str) -> JsValue {
    JSON::parse(json).unwrap_or_else(|e| panic!("bad JSON in the test: {json}: {e:?}"))
}

fn world() -> JsValue {
    js(WORLD)
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("Reflect.get")
}

fn text(value: &JsValue) -> String {
    JSON::stringify(value)
        .map(String::from)
        .unwrap_or_else(|_| format!("{value:?}"))
}

/// `target` with `key` set to `value` (a copy made with JS's own object model).
fn with(target: &JsValue, key: &str, value: &JsValue) -> JsValue {
    let copy = Object::assign(&Object::new(), target.unchecked_ref());
    Reflect::set(&copy, &JsValue::from_str(key), value).expect("Reflect.set");
    copy.into()
}

fn request(source: &str, target: &str) -> JsValue {
    js(&format!(r#"{{"source":"{source}","target":"{target}"}}"#))
}

/// The thrown value must be a JS `Error` with `code` and a message; returns the message.
#[track_caller]
fn expect_error(result: Result<JsValue, JsValue>, code: &str) -> String {
    let error = match result {
        Ok(value) => panic!("expected a thrown {code}, got {}", text(&value)),
        Err(error) => error,
    };
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "thrown value is not an Error: {error:?}"
    );
    assert_eq!(
        get(&error, "code").as_string().as_deref(),
        Some(code),
        "{error:?}"
    );
    let message = get(&error, "message")
        .as_string()
        .expect("message is a string");
    assert!(!message.is_empty(), "empty message for {code}");
    message
}

/// A plain object (prototype `Object.prototype`), as the JSON shapes of SPEC §2 promise.
#[track_caller]
fn assert_plain_object(value: &JsValue) {
    assert!(value.is_object(), "not an object: {value:?}");
    assert!(
        !Array::is_array(value),
        "an array, not an object: {}",
        text(value)
    );
    let proto = Object::get_prototype_of(value);
    assert!(
        JsValue::from(proto) == JsValue::from(Object::get_prototype_of(&Object::new())),
        "not a plain object (a Map?): {value:?}"
    );
}

#[track_caller]
fn assert_decision(decision: &JsValue, allowed: bool, reason: &str) {
    assert_plain_object(decision);
    assert_eq!(
        get(decision, "allowed").as_bool(),
        Some(allowed),
        "{}",
        text(decision)
    );
    assert_eq!(
        get(decision, "reason").as_string().as_deref(),
        Some(reason),
        "{}",
        text(decision)
    );
    assert!(get(decision, "message").is_string(), "{}", text(decision));
    let trace = get(decision, "trace");
    assert!(
        Array::is_array(&trace),
        "trace is not an array: {}",
        text(decision)
    );
    let trace: Array = trace.unchecked_into();
    assert!(trace.length() > 0, "empty trace");
    for step in trace.iter() {
        assert_plain_object(&step);
        let outcome = get(&step, "outcome").as_string().unwrap_or_default();
        assert!(
            ["pass", "fail", "skip"].contains(&outcome.as_str()),
            "{}",
            text(&step)
        );
    }
}

#[wasm_bindgen_test]
fn a_json_world_and_request_give_a_decision() {
    let allowed = api::check_gitlab_access(world(), request("acme/ci", "acme/api")).unwrap();
    assert_decision(&allowed, true, "allowlisted_project");
    let denied = api::check_gitlab_access(world(), request("acme/docs", "acme/api")).unwrap();
    assert_decision(&denied, false, "not_in_inbound_allowlist");
    assert_eq!(
        get(&denied, "message").as_string().unwrap(),
        "Authentication by CI/CD job token not allowed from docs to api."
    );
}

#[wasm_bindgen_test]
fn objects_built_in_js_read_like_json() {
    // Built with the object model rather than JSON.parse: same answer.
    let project = |path: &str| with(&Object::new().into(), "path", &JsValue::from_str(path));
    let inbound = with(
        &Object::new().into(),
        "projects",
        &Array::of1(&JsValue::from_str("acme/ci")).into(),
    );
    let projects = Array::of2(
        &project("acme/ci"),
        &with(&project("acme/api"), "inbound", &inbound),
    );
    let world = with(&Object::new().into(), "projects", &projects.into());
    let world = with(&world, "version", &JsValue::from_str("17.0"));
    let request = with(
        &Object::new().into(),
        "source",
        &JsValue::from_str("acme/ci"),
    );
    let request = with(&request, "target", &JsValue::from_str("acme/api"));
    assert_decision(
        &api::check_gitlab_access(world, request).unwrap(),
        true,
        "allowlisted_project",
    );
}

#[wasm_bindgen_test]
fn optional_fields_accept_absent_undefined_and_a_value() {
    let base = request("acme/tools/deploy", "acme/api");
    let cases = [
        // An endpoint that declares no permission is closed to an entry with policies only.
        (base.clone(), false, "no_job_token_permission"),
        (
            with(&base, "permission", &JsValue::UNDEFINED),
            false,
            "no_job_token_permission",
        ),
        (
            with(&base, "permission", &JsValue::from_str("read_packages")),
            true,
            "allowlisted_group",
        ),
        (
            with(&base, "permission", &JsValue::from_str("read_jobs")),
            false,
            "permission_not_granted",
        ),
    ];
    for (request, allowed, reason) in cases {
        let decision = api::check_gitlab_access(world(), request.clone()).unwrap();
        assert_decision(&decision, allowed, reason);
    }
}

#[wasm_bindgen_test]
fn a_world_that_is_not_an_object_throws_invalid_input() {
    let not_worlds: Vec<(&str, JsValue)> = vec![
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
        ("a boolean", JsValue::TRUE),
        ("a number", JsValue::from_f64(42.0)),
        ("NaN", JsValue::from_f64(f64::NAN)),
        ("a string", JsValue::from_str(WORLD)),
        ("an array", Array::new().into()),
        ("a bigint", js_sys::BigInt::from(7u64).into()),
        ("a symbol", js_sys::Symbol::for_("world").into()),
        (
            "a function",
            js_sys::Function::new_no_args("return 1").into(),
        ),
        ("a Map", js_sys::Map::new().into()),
        ("an empty object", Object::new().into()),
    ];
    for (what, value) in not_worlds {
        let message = expect_error(
            api::check_gitlab_access(value.clone(), request("acme/ci", "acme/api")),
            "invalid_input",
        );
        assert!(!message.is_empty(), "{what}");
        expect_error(api::validate_gitlab_world(value.clone()), "invalid_input");
        expect_error(
            api::resolve_gitlab_scope(value.clone(), JsValue::from_str("acme/api")),
            "invalid_input",
        );
        expect_error(
            api::compact_gitlab_allowlist(
                value.clone(),
                JsValue::from_str("acme/api"),
                JsValue::UNDEFINED,
            ),
            "invalid_input",
        );
        expect_error(
            api::check_gitlab_edit(
                value.clone(),
                js(r#"{"user":"alice","project":"acme/api","action":"enable"}"#),
            ),
            "invalid_input",
        );
        assert!(
            api::GitlabPolicy::new(value).is_err(),
            "new GitlabPolicy({what})"
        );
    }
}

#[wasm_bindgen_test]
fn values_json_cannot_hold_inside_the_world_throw_invalid_input_with_their_path() {
    let fields: Vec<(&str, JsValue)> = vec![
        ("NaN", JsValue::from_f64(f64::NAN)),
        ("Infinity", JsValue::from_f64(f64::INFINITY)),
        ("a bigint", js_sys::BigInt::from(1u64).into()),
        ("a function", js_sys::Function::new_no_args("").into()),
        ("a symbol", js_sys::Symbol::for_("x").into()),
        ("a number", JsValue::from_f64(1.0)),
    ];
    for (what, value) in fields {
        let project = with(&js(r#"{"path":"acme/ci"}"#), "visibility", &value);
        let world = js(WORLD);
        Reflect::set(&get(&world, "projects"), &JsValue::from_f64(0.0), &project).unwrap();
        let message = expect_error(api::validate_gitlab_world(world), "invalid_input");
        assert!(
            message.contains("projects[0].visibility"),
            "{what}: the message should say where: {message}"
        );
    }
}

#[wasm_bindgen_test]
fn nesting_deeper_than_any_input_shape_is_refused_not_a_crash() {
    let mut deep = JsValue::from_str("x");
    for _ in 0..10_000 {
        deep = Array::of1(&deep).into();
    }
    let too_deep = with(&world(), "projects", &deep);
    expect_error(api::validate_gitlab_world(too_deep), "invalid_input");
    assert_decision(
        &api::check_gitlab_access(world(), request("acme/ci", "acme/api")).unwrap(),
        true,
        "allowlisted_project",
    );
}

#[wasm_bindgen_test]
fn unknown_keys_and_wrong_types_say_where() {
    let typo = js(r#"{"projects":[{"path":"acme/api","inbound":{"enabeld":false}}]}"#);
    let message = expect_error(api::validate_gitlab_world(typo), "invalid_input");
    assert!(
        message.starts_with("projects[0].inbound.enabeld"),
        "{message}"
    );
    let message = expect_error(
        api::check_gitlab_access(world(), js(r#"{"source":1,"target":"acme/api"}"#)),
        "invalid_input",
    );
    assert!(message.contains("source"), "{message}");
    expect_error(
        api::check_gitlab_access(
            world(),
            js(r#"{"source":"acme/ci","target":"acme/api","permision":"read_jobs"}"#),
        ),
        "invalid_input",
    );
    expect_error(
        api::check_gitlab_access(
            world(),
            js(r#"{"source":"acme/ci","target":"acme/api","permission":"write_jobs"}"#),
        ),
        "invalid_input",
    );
    for request in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from_f64(7.0),
        JsValue::from_str("acme/ci"),
        js(r#"["acme/ci","acme/api"]"#),
    ] {
        expect_error(api::check_gitlab_access(world(), request), "invalid_input");
    }
}

#[wasm_bindgen_test]
fn other_codes_unknown_project_and_unsupported_version() {
    expect_error(
        api::check_gitlab_access(world(), request("acme/ci", "acme/nope")),
        "unknown_project",
    );
    expect_error(
        api::resolve_gitlab_scope(world(), JsValue::from_str("acme/nope")),
        "unknown_project",
    );
    let future = with(&world(), "version", &JsValue::from_str("20.0"));
    expect_error(
        api::check_gitlab_access(future, request("acme/ci", "acme/api")),
        "unsupported_version",
    );
    // A version must be a string: as a number 17.1 and 17.10 are the same.
    let numeric = with(&world(), "version", &JsValue::from_f64(18.3));
    expect_error(api::validate_gitlab_world(numeric), "invalid_input");
}

#[wasm_bindgen_test]
fn string_arguments_take_strings_only() {
    let scope = api::resolve_gitlab_scope(world(), JsValue::from_str("acme/ci")).unwrap();
    assert_plain_object(&scope);
    assert_eq!(
        get(&scope, "project").as_string().as_deref(),
        Some("acme/ci")
    );
    assert!(Array::is_array(&get(&scope, "reachable")));
    for project in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from_f64(42.0),
        JsValue::TRUE,
        Object::new().into(),
    ] {
        expect_error(api::resolve_gitlab_scope(world(), project), "invalid_input");
    }
}

#[wasm_bindgen_test]
fn compaction_limit_is_optional_and_a_whole_number() {
    let project = || JsValue::from_str("acme/api");
    for limit in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from_f64(2.0)] {
        let compaction = api::compact_gitlab_allowlist(world(), project(), limit).unwrap();
        assert_plain_object(&compaction);
        assert_plain_object(&get(&compaction, "admitsAlso"));
        assert!(Array::is_array(&get(&compaction, "groups")));
    }
    for limit in [
        JsValue::from_f64(-1.0),
        JsValue::from_f64(1.5),
        JsValue::from_f64(f64::NAN),
        JsValue::from_str("2"),
        JsValue::TRUE,
    ] {
        expect_error(
            api::compact_gitlab_allowlist(world(), project(), limit),
            "invalid_input",
        );
    }
}

#[wasm_bindgen_test]
fn enforcement_plans_take_a_log_of_either_shape_and_optional_options() {
    let log = || {
        js(
            r#"[{ "source": "acme/tools/deploy", "target": "acme/api", "lastAuthorizedAt": "2025-10-25T08:00:00Z" },
               { "fullPath": "acme/api", "ciJobTokenAuthLogs": { "nodes": [{ "originProject": { "fullPath": "acme/docs" } }] } },
               { "source": "gone/ci", "target": "acme/api" }]"#,
        )
    };
    for options in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        js(r#"{ "limit": 5, "strategy": "gitlab" }"#),
    ] {
        let plan = api::plan_gitlab_enforcement(world(), log(), options).unwrap();
        assert_plain_object(&plan);
        let projects = Array::from(&get(&plan, "projects"));
        assert_eq!(projects.length(), 1, "{}", text(&plan));
        let api_plan = projects.get(0);
        assert_eq!(
            get(&api_plan, "project").as_string().as_deref(),
            Some("acme/api")
        );
        // acme/tools/deploy is admitted by the group entry acme/tools (for read_packages only).
        assert_eq!(
            Array::from(&get(&api_plan, "breaks")).length(),
            1,
            "{}",
            text(&plan)
        );
        assert_plain_object(&get(&api_plan, "proposed"));
        assert_eq!(Array::from(&get(&plan, "unknown")).length(), 1);
    }
    for (log, options, at) in [
        (JsValue::UNDEFINED, JsValue::UNDEFINED, "log: "),
        (
            js(r#"[{ "source": 1, "target": "acme/api" }]"#),
            JsValue::UNDEFINED,
            "log[0].source: ",
        ),
        (js("[]"), js(r#"{ "limit": -1 }"#), "options.limit: "),
        (js("[]"), JsValue::from_str("gitlab"), "options: "),
    ] {
        let message = expect_error(
            api::plan_gitlab_enforcement(world(), log, options),
            "invalid_input",
        );
        assert!(message.starts_with(at), "{message}");
    }
}

#[wasm_bindgen_test]
fn edits_and_validation_answer_plain_values() {
    let edit = api::check_gitlab_edit(
        world(),
        js(r#"{"user":"alice","project":"acme/api","action":"add","entry":"acme/docs"}"#),
    )
    .unwrap();
    assert_decision(&edit, true, "edit_allowed");
    expect_error(
        api::check_gitlab_edit(
            world(),
            js(r#"{"user":"alice","project":"acme/api","action":"rename"}"#),
        ),
        "invalid_input",
    );
    let problems = api::validate_gitlab_world(world()).unwrap();
    assert!(Array::is_array(&problems), "{}", text(&problems));
    // GitLab refuses a project on its own allowlist before 18.1.
    let with_self = js(
        r#"{"version":"18.0","projects":[{"path":"acme/api","inbound":{"projects":["acme/api"]}}]}"#,
    );
    let problems: Array = api::validate_gitlab_world(with_self)
        .unwrap()
        .unchecked_into();
    assert!(problems.length() > 0);
    let problem = problems.get(0);
    assert_plain_object(&problem);
    assert_eq!(
        get(&problem, "code").as_string().as_deref(),
        Some("self_entry")
    );
    assert!(get(&problem, "path").is_string());
}

#[wasm_bindgen_test]
fn gitlab_policy_checks_with_and_without_a_permission() {
    let policy = api::GitlabPolicy::new(world()).unwrap();
    let s = JsValue::from_str;
    for (source, target, permission, allowed) in [
        ("acme/ci", "acme/api", JsValue::UNDEFINED, true),
        ("acme/ci", "acme/api", JsValue::NULL, true),
        ("acme/docs", "acme/api", JsValue::UNDEFINED, false),
        ("acme/tools/deploy", "acme/api", s("read_packages"), true),
        ("acme/tools/deploy", "acme/api", s("read_jobs"), false),
    ] {
        let checked = policy.check(s(source), s(target), permission.clone());
        assert_eq!(
            checked.ok(),
            Some(allowed),
            "check({source}, {target}, {permission:?})"
        );
    }
    let decision = policy
        .explain(s("acme/tools/deploy"), s("acme/api"), s("read_jobs"))
        .unwrap();
    assert_decision(&decision, false, "permission_not_granted");
    // Same answer as the one-shot call.
    let one_shot = api::check_gitlab_access(
        world(),
        js(r#"{"source":"acme/tools/deploy","target":"acme/api","permission":"read_jobs"}"#),
    )
    .unwrap();
    assert_eq!(text(&decision), text(&one_shot));

    for (source, target, permission, code) in [
        (
            JsValue::from_f64(1.0),
            s("acme/api"),
            JsValue::UNDEFINED,
            "invalid_input",
        ),
        (
            s("acme/ci"),
            JsValue::NULL,
            JsValue::UNDEFINED,
            "invalid_input",
        ),
        (
            s("acme/ci"),
            s("acme/api"),
            JsValue::from_f64(3.0),
            "invalid_input",
        ),
        (
            s("acme/ci"),
            s("acme/api"),
            s("write_jobs"),
            "invalid_input",
        ),
        (
            s("acme/ci"),
            s("acme/nope"),
            JsValue::UNDEFINED,
            "unknown_project",
        ),
    ] {
        let checked = policy
            .check(source.clone(), target.clone(), permission.clone())
            .map(JsValue::from);
        expect_error(checked, code);
        expect_error(policy.explain(source, target, permission), code);
    }
    // The compiled world still answers after those errors.
    assert!(policy
        .check(s("acme/ci"), s("acme/api"), JsValue::UNDEFINED)
        .unwrap());
}

#[wasm_bindgen_test]
fn azure_configs_and_resources() {
    let scope = api::resolve_azure_scope(js(AZURE)).unwrap();
    assert_plain_object(&scope);
    assert_eq!(get(&scope, "scope").as_string().as_deref(), Some("project"));
    assert_eq!(
        get(&scope, "identity").as_string().as_deref(),
        Some("SpaceGameWeb Build Service (fabrikam-tailspin)")
    );
    assert_plain_object(&get(&scope, "repositories"));

    let resource = js(
        r#"{"kind":"repository","project":"FabrikamFiber","name":"FabrikamFiber","action":"read"}"#,
    );
    assert_decision(
        &api::check_azure_access(js(AZURE), resource).unwrap(),
        false,
        "scope_is_project",
    );
    let own = js(
        r#"{"kind":"repository","project":"SpaceGameWeb","name":"SpaceGameWeb","action":"read"}"#,
    );
    assert_decision(
        &api::check_azure_access(js(AZURE), own).unwrap(),
        true,
        "same_project_default",
    );
    let problems = api::validate_azure_config(js(AZURE)).unwrap();
    assert!(
        Array::is_array(&problems) && Array::from(&problems).length() == 0,
        "{}",
        text(&problems)
    );

    let typo = with(
        &js(AZURE),
        "pipeline",
        &js(r#"{"kind":"yaml","hasrun":true}"#),
    );
    let message = expect_error(api::resolve_azure_scope(typo), "invalid_input");
    assert!(message.starts_with("pipeline.hasrun"), "{message}");
    let old = with(&js(AZURE), "product", &JsValue::from_str("server-2017"));
    expect_error(api::resolve_azure_scope(old), "unsupported_version");
    let wiki = js(r#"{"kind":"wiki","project":"P","name":"n","action":"read"}"#);
    expect_error(api::check_azure_access(js(AZURE), wiki), "invalid_input");
    for config in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from_f64(1.0),
        Array::new().into(),
    ] {
        expect_error(api::resolve_azure_scope(config.clone()), "invalid_input");
        expect_error(api::validate_azure_config(config), "invalid_input");
    }
    expect_error(
        api::check_azure_access(js(AZURE), JsValue::NULL),
        "invalid_input",
    );
}

#[wasm_bindgen_test]
fn calls_keep_working_after_many_thrown_errors() {
    for i in 0..200 {
        let result = match i % 5 {
            0 => api::check_gitlab_access(JsValue::from_f64(42.0), Object::new().into()),
            1 => api::check_gitlab_access(world(), request("acme/ci", "acme/nope")),
            2 => api::validate_gitlab_world(js(r#"{"projects":"x"}"#)),
            3 => api::resolve_gitlab_scope(
                with(&world(), "version", &JsValue::from_str("20.0")),
                JsValue::from_str("acme/api"),
            ),
            _ => api::resolve_azure_scope(JsValue::NULL),
        };
        assert!(result.is_err(), "call #{i} should throw");
        let error = result.unwrap_err();
        assert!(
            error.is_instance_of::<js_sys::Error>(),
            "call #{i}: {error:?}"
        );
    }
    assert_decision(
        &api::check_gitlab_access(world(), request("acme/ci", "acme/api")).unwrap(),
        true,
        "allowlisted_project",
    );
    assert_eq!(
        api::resolve_azure_scope(js(AZURE))
            .map(|scope| get(&scope, "scope").as_string())
            .unwrap()
            .as_deref(),
        Some("project")
    );
}

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(api::version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn reference_tables_are_arrays_of_plain_objects() {
    for (what, table) in [
        ("gitlabVersions", api::gitlab_versions()),
        ("gitlabPermissions", api::gitlab_permissions()),
        ("azureProducts", api::azure_products()),
    ] {
        let table = table.unwrap_or_else(|e| panic!("{what} threw {e:?}"));
        assert!(Array::is_array(&table), "{what}: {}", text(&table));
        let table: Array = table.unchecked_into();
        assert!(table.length() > 0, "{what} is empty");
        for row in table.iter() {
            assert_plain_object(&row);
        }
    }
}

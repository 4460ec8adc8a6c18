//! The text door (`World::from_json`, src/json.rs) against the serde door (`job_token_scope::parse`):
//! every world of the rule tables (`tests/cases/gitlab/`) and of the bad-input catalogue
//! (`tests/cases/bad/gitlab.json`), written as JSON text, compiles to a world that decides every pair
//! of projects alike, with and without each permission — or fails with the same error.

use std::fs;

use job_token_scope::gitlab::{Permission, World, WorldInput};
use job_token_scope::{parse, Error};
use serde_json::Value;

fn serde_door(world: &Value) -> Result<World, Error> {
    World::from_input(parse::<WorldInput, _>(world.clone())?)
}

/// Every world the tables hold: a table's `world`, each case's (with its `version`), the catalogue's
/// first arguments of GitLab calls.
fn worlds() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/gitlab");
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let table: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let default = table.get("world").cloned().unwrap_or(Value::Null);
        out.push((format!("{name}: the table's world"), default.clone()));
        for (i, case) in table["cases"].as_array().unwrap().iter().enumerate() {
            let mut world = case.get("world").cloned().unwrap_or(default.clone());
            if let (Some(version), Some(obj)) = (case.get("version"), world.as_object_mut()) {
                obj.insert("version".into(), version.clone());
            }
            out.push((format!("{name}: case {i} {}", case["name"]), world));
        }
    }
    let bad = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/bad/gitlab.json");
    let bad: Value = serde_json::from_str(&fs::read_to_string(bad).unwrap()).unwrap();
    for case in bad["cases"].as_array().unwrap() {
        let (Some(call), Some(world)) = (case["call"].as_str(), case["args"].get(0)) else {
            continue;
        };
        if !call.contains("Gitlab") || call == "gitlabVersions" {
            continue;
        }
        let world = match world {
            Value::String(s) if s == "$world" => bad["defaults"]["world"].clone(),
            other => other.clone(),
        };
        out.push((format!("bad/gitlab.json: {}", case["name"]), world));
    }
    out
}

#[test]
fn the_text_door_decides_as_the_serde_door_on_every_table_world() {
    let worlds = worlds();
    assert!(worlds.len() > 300, "{} worlds", worlds.len());
    let permissions: Vec<Option<Permission>> = std::iter::once(None)
        .chain(Permission::requestable().map(Some))
        .collect();
    let (mut compiled, mut refused) = (0, 0);
    for (name, world) in &worlds {
        for text in [
            serde_json::to_string(world).unwrap(),
            serde_json::to_string_pretty(world).unwrap(),
        ] {
            let (expected, got) = (serde_door(world), World::from_json(&text));
            match (&expected, &got) {
                (Err(e), Err(g)) => {
                    assert_eq!(e, g, "{name}");
                    refused += 1;
                }
                (Ok(e), Ok(g)) => {
                    compiled += 1;
                    assert_eq!(e.projects().len(), g.projects().len(), "{name}");
                    // Every pair of the first projects (a limits case has thousands).
                    let n = e.projects().len().min(12);
                    for s in 0..n {
                        for t in 0..n {
                            for p in &permissions {
                                let p = p.map(Permission::index);
                                assert_eq!(
                                    e.check_indices(s, t, p),
                                    g.check_indices(s, t, p),
                                    "{name}: {s} {t} {p:?}"
                                );
                            }
                            let (eq, gq) =
                                (e.query_by_index(s, t, None), g.query_by_index(s, t, None));
                            assert_eq!(eq.map(|q| q.explain()), gq.map(|q| q.explain()), "{name}");
                        }
                    }
                }
                _ => panic!(
                    "{name}: the serde door gives {:?}, the text door {:?}",
                    expected.err(),
                    got.err()
                ),
            }
        }
    }
    assert!(
        compiled > 100 && refused > 20,
        "{compiled} compiled, {refused} refused"
    );
}

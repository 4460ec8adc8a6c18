//! Snapshots (`World::to_bytes` / `World::from_bytes`): a world read back decides exactly as the world
//! written, writes the same bytes again, and anything else — a changed byte, a cut, a body changed
//! and resealed so that only the structural checks stand — is refused with `invalid_input` or, if it
//! happens to be a well-formed world, answers every question without panicking.

mod support;

use support::worlds::*;

use job_token_scope::gitlab::snapshot::{reseal, FORMAT};
use job_token_scope::gitlab::{Permission, World};
use job_token_scope::ErrorCode;
use proptest::prelude::*;

/// Every answer the world gives about every pair of projects, as JSON text.
fn answers(world: &World) -> Vec<String> {
    let n = world.projects().len();
    let permissions = std::iter::once(None).chain(Permission::requestable().map(Some));
    let permissions: Vec<Option<Permission>> = permissions.collect();
    let mut out = Vec::new();
    for s in 0..n {
        for t in 0..n {
            for &permission in &permissions {
                let query = world.query_by_index(s, t, permission).unwrap();
                out.push(serde_json::to_string(&query.explain()).unwrap());
                let as_user = query.with_user("alice");
                out.push(serde_json::to_string(&as_user.explain()).unwrap());
            }
        }
        let path = world.project_at(s).unwrap().path.to_owned();
        out.push(format!(
            "{:?}",
            world
                .resolve_scope(&path)
                .map(|s| serde_json::to_string(&s).unwrap())
        ));
        out.push(format!(
            "{:?}",
            world
                .compact(&path, Some(1))
                .map(|c| serde_json::to_string(&c).unwrap())
        ));
    }
    out.push(serde_json::to_string(&world.validate()).unwrap());
    out
}

fn refused(bytes: &[u8]) -> Result<(), String> {
    match World::from_bytes(bytes) {
        Ok(_) => Err("read as a world".to_owned()),
        Err(e) if e.code() == ErrorCode::InvalidInput && e.path() == "bytes" => Ok(()),
        Err(e) => Err(format!(
            "refused with {:?} at {:?}: {}",
            e.code(),
            e.path(),
            e.message()
        )),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_world_read_back_decides_as_it_did_and_writes_the_same_bytes(input in world()) {
        let world = compile(input);
        let bytes = world.to_bytes();
        let read = World::from_bytes(&bytes).unwrap();
        prop_assert_eq!(read.to_bytes(), bytes.clone());
        prop_assert_eq!(answers(&read), answers(&world));
        prop_assert_eq!(read.version(), world.version());
    }

    #[test]
    fn a_changed_byte_is_refused(input in world(), at in any::<prop::sample::Index>(), flip in 1..=255u8) {
        let mut bytes = compile(input).to_bytes();
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        prop_assert_eq!(refused(&bytes), Ok(()), "byte {} of {}", at, bytes.len());
    }

    #[test]
    fn a_cut_snapshot_is_refused(input in world(), at in any::<prop::sample::Index>()) {
        let bytes = compile(input).to_bytes();
        let at = at.index(bytes.len());
        prop_assert_eq!(refused(&bytes[..at]), Ok(()));
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0, 0, 0, 0]);
        prop_assert_eq!(refused(&longer), Ok(()));
        reseal(&mut longer);
        prop_assert_eq!(refused(&longer), Ok(()), "four more bytes after the end, resealed");
    }

    #[test]
    fn a_resealed_body_is_refused_or_answers_without_panicking(
        input in world(),
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..4usize), 1..6),
    ) {
        let mut bytes = compile(input).to_bytes();
        for (at, byte, kind) in changes {
            // A word set to a boundary value, or one byte anywhere.
            let at = 24 + at.index(bytes.len() - 24) / 4 * 4;
            let word = match kind { 0 => u32::MAX, 1 => 0, 2 => u32::from(byte) << 24, _ => u32::from(byte) };
            bytes[at..at + 4].copy_from_slice(&word.to_le_bytes());
        }
        reseal(&mut bytes);
        if let Ok(world) = World::from_bytes(&bytes) {
            answers(&world);
        }
    }
}

#[test]
fn another_format_is_refused_by_name() {
    let mut bytes = compile(
        job_token_scope::parse(serde_json::json!({ "projects": [{ "path": "a/b" }] })).unwrap(),
    )
    .to_bytes();
    bytes[4..8].copy_from_slice(&(FORMAT + 1).to_le_bytes());
    let error = World::from_bytes(&bytes).unwrap_err();
    assert!(
        error
            .message()
            .contains(&format!("snapshot format {}", FORMAT + 1)),
        "{}",
        error.message()
    );
    let error = World::from_bytes(b"{\"projects\": []}").unwrap_err();
    assert!(error.message().contains("JTSW"), "{}", error.message());
    assert_eq!(refused(&[]), Ok(()));
}

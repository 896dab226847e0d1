//! BagIt 1.0 deposit packages (RFC 8493): `convert … --bag DIR` writes its
//! outputs and the original input files into `DIR/data/`, then the tag
//! files: `bagit.txt`, `bag-info.txt`, `manifest-sha256.txt` and
//! `tagmanifest-sha256.txt`.
//!
//! The bag is built in a staging folder beside `DIR` and renamed into place
//! only when every input converted, so a repository never sees half a bag;
//! `DIR` must not exist yet. The same inputs, metadata and
//! `SOURCE_DATE_EPOCH` give the same bag, byte for byte.

use super::input::Input;
use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What `bag-info.txt` says besides the payload's size.
#[derive(Debug, Default)]
pub struct BagInfo {
    /// `Bagging-Date` (`YYYY-MM-DD`), when known.
    pub date: Option<String>,
    /// One `External-Identifier` per article (its content identifier).
    pub identifiers: Vec<String>,
    /// `External-Description`.
    pub description: String,
}

/// Creates the staging folder beside `target` (with its `data/`), after
/// checking that `target` does not exist. Returns the staging folder.
pub fn stage(target: &Path) -> anyhow::Result<PathBuf> {
    if target.exists() {
        bail!(
            "refusing to write the bag {}: it exists (a bag is written whole, into a new folder)",
            target.display()
        );
    }
    let name = target
        .file_name()
        .with_context(|| format!("--bag {}: not a folder name", target.display()))?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = parent.join(format!(
        ".{}.refolio-bag-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::create_dir_all(staging.join("data"))
        .with_context(|| format!("cannot create {}", staging.display()))?;
    Ok(staging)
}

/// Copies each input file, byte for byte, and its sidecar metadata (and
/// `manifest`, a book's manifest, when given) into `staging/data/`.
pub fn copy_originals(
    staging: &Path,
    inputs: &[Input],
    manifest: Option<&Path>,
) -> anyhow::Result<()> {
    let data = staging.join("data");
    let copy = |from: &Path, what: &str| -> anyhow::Result<()> {
        let name = from
            .file_name()
            .with_context(|| format!("{what}: no file name"))?;
        let to = data.join(name);
        if to.exists() {
            bail!("{what}: its file name is also the name of an output; rename it to bag it");
        }
        std::fs::copy(from, &to).with_context(|| format!("cannot copy {what} into the bag"))?;
        Ok(())
    };
    for input in inputs {
        let Some(path) = &input.path else {
            bail!("--bag keeps the original input files: give files, not `-`");
        };
        copy(path, &input.name())?;
        if let Some(sidecar) = input.sidecar_path().filter(|p| p.is_file()) {
            copy(&sidecar, &sidecar.display().to_string())?;
        }
    }
    if let Some(m) = manifest {
        copy(m, &m.display().to_string())?;
    }
    Ok(())
}

/// `Bagging-Date`: the day of `SOURCE_DATE_EPOCH`, else the first full date
/// (`YYYY-MM-DD`) among `dates` (the articles' or the book's `date`
/// metadata), else none: never "today", so the same inputs give the same
/// bag.
pub fn bagging_date<'a>(
    timestamp: Option<i64>,
    dates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    if let Some(t) = timestamp {
        return chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d").to_string());
    }
    dates
        .map(str::trim)
        .find(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
        .map(String::from)
}

/// Removes a staging folder (nothing of the bag is left).
pub fn abandon(staging: &Path) {
    let _ = std::fs::remove_dir_all(staging);
}

/// Writes the tag files into `staging` and renames it to `target`.
pub fn finish(staging: &Path, target: &Path, info: &BagInfo) -> anyhow::Result<()> {
    let result = (|| -> anyhow::Result<()> {
        let payload = payload_files(&staging.join("data"))?;
        let mut manifest = String::new();
        let (mut octets, mut count) = (0u64, 0usize);
        for (rel, path) in &payload {
            let (digest, len) =
                sha256_of_file(path).with_context(|| format!("cannot read {}", path.display()))?;
            octets += len;
            count += 1;
            let _ = writeln!(manifest, "{digest}  data/{}", encode_path(rel));
        }
        let bagit = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_string();
        let mut bag_info = String::new();
        let _ = writeln!(
            bag_info,
            "Bag-Software-Agent: refolio {}",
            env!("CARGO_PKG_VERSION")
        );
        if let Some(date) = &info.date {
            let _ = writeln!(bag_info, "Bagging-Date: {date}");
        }
        let _ = writeln!(
            bag_info,
            "External-Description: {}",
            one_line(&info.description)
        );
        for id in &info.identifiers {
            let _ = writeln!(bag_info, "External-Identifier: {id}");
        }
        let _ = writeln!(bag_info, "Payload-Oxum: {octets}.{count}");
        let tags = [
            ("bagit.txt", bagit),
            ("bag-info.txt", bag_info),
            ("manifest-sha256.txt", manifest),
        ];
        let mut tagmanifest = String::new();
        for (name, text) in &tags {
            std::fs::write(staging.join(name), text)
                .with_context(|| format!("cannot write {name}"))?;
            let _ = writeln!(tagmanifest, "{}  {name}", sha256(text.as_bytes()));
        }
        std::fs::write(staging.join("tagmanifest-sha256.txt"), tagmanifest)
            .context("cannot write tagmanifest-sha256.txt")?;
        if target.exists() {
            bail!(
                "refusing to replace {}: it appeared while the bag was made",
                target.display()
            );
        }
        std::fs::rename(staging, target)
            .with_context(|| format!("cannot move the bag into place at {}", target.display()))
    })();
    if result.is_err() {
        abandon(staging);
    }
    result
}

/// The payload's files, relative to `data/` with `/` separators, sorted
/// (or the files of any folder, relative to it).
pub(super) fn payload_files(data: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), data.to_path_buf())];
    while let Some((prefix, dir)) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if entry.file_type()?.is_dir() {
                stack.push((rel, entry.path()));
            } else {
                out.push((rel, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Lower-case hex SHA-256.
fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of the file at `path` (lowercase hex) and its length, read
/// a piece at a time: a payload file (a long book's PDF) is never held
/// whole.
fn sha256_of_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let len = std::io::copy(&mut file, &mut hasher)?;
    Ok((hex(&hasher.finalize()), len))
}

/// `bytes` in lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A manifest path: `%`, CR and LF percent-encoded (RFC 8493 §2.1.3).
fn encode_path(path: &str) -> String {
    path.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A tag value on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_and_paths() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(encode_path("a%b\nc\rd"), "a%25b%0Ac%0Dd");
        assert_eq!(one_line(" a \n b "), "a b");
    }

    /// A file's digest, read a piece at a time, is its bytes' digest.
    #[test]
    fn a_file_is_digested_a_piece_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 3, 8191, 8192, 8193, 200_003] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let path = dir.path().join(format!("{len}.bin"));
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(
                sha256_of_file(&path).unwrap(),
                (sha256(&bytes), len as u64),
                "{len} bytes"
            );
        }
        assert!(sha256_of_file(&dir.path().join("none")).is_err());
    }
}

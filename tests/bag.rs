//! `convert --bag DIR`: a BagIt 1.0 bag (RFC 8493) that the Library of
//! Congress's `bagit` (PyPI, `python3 -m bagit --validate`) accepts; the same
//! inputs give the same bag; a changed payload byte is caught; an existing
//! folder or a failing input leaves nothing behind.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn refolio(args: &[&str], dir: &Path, epoch: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_refolio"));
    c.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH");
    if let Some(e) = epoch {
        c.env("SOURCE_DATE_EPOCH", e);
    }
    c.output().expect("run refolio")
}

/// The bundled examples (with their sidecars) copied into `dir`.
fn examples(dir: &Path) -> Vec<String> {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&input).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".txt") || name.ends_with(".toml") {
            std::fs::copy(&p, dir.join(&name)).unwrap();
            if name.ends_with(".txt") {
                names.push(name);
            }
        }
    }
    names.sort();
    names
}

/// `python3 -m bagit --validate BAG`, or `None` (after a visible skip) when
/// the package is missing.
fn bagit_validate(test: &str, bag: &Path) -> Option<Result<(), String>> {
    let has = Command::new("python3")
        .args(["-c", "import bagit"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        support::skip(
            test,
            "python3 cannot import bagit (run scripts/install-validators.sh)",
        );
        return None;
    }
    let o = Command::new("python3")
        .args(["-m", "bagit", "--validate"])
        .arg(bag)
        .output()
        .expect("run bagit");
    Some(if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    })
}

/// No bag staging folder is left in `dir`.
fn assert_no_staging_left(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("refolio-bag"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn bag_of(dir: &Path, names: &[String], bag: &str, epoch: Option<&str>) -> Output {
    let mut args = vec!["convert"];
    args.extend(names.iter().map(String::as_str));
    args.extend(["-t", "tei,epub,json", "--bag", bag, "-q"]);
    refolio(&args, dir, epoch)
}

#[test]
fn convert_writes_a_valid_reproducible_bag() {
    let test = "convert_writes_a_valid_reproducible_bag";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let names = examples(dir);
    let o = bag_of(dir, &names, "bag1", Some("1700000000"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bag = dir.join("bag1");
    // The payload: every output, every original input byte for byte, the sidecars.
    for n in &names {
        let stem = n.trim_end_matches(".txt");
        for ext in ["tei.xml", "epub", "json"] {
            assert!(
                bag.join("data").join(format!("{stem}.{ext}")).is_file(),
                "{stem}.{ext}"
            );
        }
        assert_eq!(
            std::fs::read(bag.join("data").join(n)).unwrap(),
            std::fs::read(dir.join(n)).unwrap(),
            "{n} is not the original"
        );
    }
    assert!(bag.join("data/canal-and-locks.toml").is_file());
    let info = read(bag.join("bag-info.txt"));
    assert!(info.contains("Bagging-Date: 2023-11-14\n"), "{info}");
    assert_eq!(
        info.matches("External-Identifier: urn:uuid:").count(),
        names.len(),
        "{info}"
    );
    let manifest = read(bag.join("manifest-sha256.txt"));
    let files = std::fs::read_dir(bag.join("data")).unwrap().count();
    assert_eq!(manifest.lines().count(), files, "{manifest}");
    let octets: u64 = std::fs::read_dir(bag.join("data"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(
        info.contains(&format!("Payload-Oxum: {octets}.{files}\n")),
        "{info}"
    );
    // Nothing is left of the staging folder.
    assert_no_staging_left(dir);
    // The same inputs and SOURCE_DATE_EPOCH: the same bag.
    let o = bag_of(dir, &names, "bag2", Some("1700000000"));
    assert_eq!(o.status.code(), Some(0));
    for f in [
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
    ] {
        assert_eq!(read(bag.join(f)), read(dir.join("bag2").join(f)), "{f}");
    }
    // Without it, the first article's full date metadata.
    let o = bag_of(dir, &names, "bag3", None);
    assert_eq!(o.status.code(), Some(0));
    let info3 = read(dir.join("bag3/bag-info.txt"));
    assert!(info3.contains("Bagging-Date: 2023-05-14\n"), "{info3}");

    let Some(valid) = bagit_validate(test, &bag) else {
        return;
    };
    valid.unwrap_or_else(|e| panic!("bagit rejects the bag:\n{e}"));
    // One payload byte changed: bagit must notice.
    let tei = bag.join("data/canal-and-locks.tei.xml");
    let mut bytes = std::fs::read(&tei).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x20;
    std::fs::write(&tei, bytes).unwrap();
    assert!(
        bagit_validate(test, &bag).unwrap().is_err(),
        "bagit accepted a changed payload"
    );
}

#[test]
fn no_bag_over_an_existing_folder_or_from_a_failing_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let names = examples(dir);
    // An existing folder is never replaced.
    std::fs::create_dir(dir.join("taken")).unwrap();
    std::fs::write(dir.join("taken/keep.txt"), "mine").unwrap();
    let o = bag_of(dir, &names, "taken", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
    assert_eq!(read(dir.join("taken/keep.txt")), "mine");
    assert_eq!(std::fs::read_dir(dir.join("taken")).unwrap().count(), 1);
    // An input that cannot be read: no bag, no staging folder.
    std::fs::write(dir.join("bad.txt"), b"Title\n\n\xff\xfe\n").unwrap();
    let mut with_bad = names.clone();
    with_bad.push("bad.txt".into());
    let o = bag_of(dir, &with_bad, "never", None);
    assert_ne!(o.status.code(), Some(0));
    assert!(!dir.join("never").exists());
    assert_no_staging_left(dir);
    // Standard input has no original file to keep.
    let o = refolio(&["convert", "-", "--bag", "stdin-bag"], dir, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.join("stdin-bag").exists());
}

#[test]
fn book_writes_a_valid_bag_with_the_book_and_its_sources() {
    let test = "book_writes_a_valid_bag_with_the_book_and_its_sources";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let names = examples(dir);
    let mut args = vec!["book"];
    args.extend(names.iter().map(String::as_str));
    args.extend(["--title", "A book", "-o", "book.epub", "--bag", "bk", "-q"]);
    let o = refolio(&args, dir, Some("1700000000"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let data = dir.join("bk/data");
    assert!(data.join("book.epub").is_file());
    assert!(
        !dir.join("book.epub").exists(),
        "the book goes into the bag only"
    );
    for n in &names {
        assert_eq!(
            std::fs::read(data.join(n)).unwrap(),
            std::fs::read(dir.join(n)).unwrap()
        );
    }
    let info = read(dir.join("bk/bag-info.txt"));
    assert_eq!(
        info.matches("External-Identifier: urn:uuid:").count(),
        1,
        "{info}"
    );
    assert!(info.contains("Bagging-Date: 2023-11-14\n"), "{info}");
    // The book's identifier is the EPUB's own.
    let epub = std::fs::read(data.join("book.epub")).unwrap();
    let id = info
        .lines()
        .find_map(|l| l.strip_prefix("External-Identifier: "))
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&epub)).unwrap();
    let mut opf = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("OEBPS/content.opf").unwrap(), &mut opf)
        .unwrap();
    assert!(
        opf.contains(id),
        "{id} is not the EPUB's identifier:\n{opf}"
    );
    // A second bag to the same folder is refused before any work.
    let o = refolio(&args, dir, Some("1700000000"));
    assert_eq!(o.status.code(), Some(2));
    let Some(valid) = bagit_validate(test, &dir.join("bk")) else {
        return;
    };
    valid.unwrap_or_else(|e| panic!("bagit rejects the book's bag:\n{e}"));
}

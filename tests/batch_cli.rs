//! The batch command line over folder trees: bad files reported and the rest done, reports,
//! byte-identical outputs for any thread count and sharding, and a run killed part-way that
//! resumes without redoing or losing work.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

fn scanpress(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scanpress"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("scanpress runs")
}

/// Every file below `dir` (hidden ones too) by path relative to it, with its bytes (a link: its
/// target).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(dir).unwrap().to_path_buf();
            if path.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                files.insert(rel, target.to_string_lossy().as_bytes().to_vec());
            } else if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// The outputs of a run: every non-hidden file.
fn outputs(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    tree(dir)
        .into_iter()
        .filter(|(p, _)| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

/// Good scans: the repo's fax fixture, and two small corpus files when the corpus is here.
fn good_scans(into: &Path) -> usize {
    std::fs::create_dir_all(into.join("sub/deeper")).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fax2d-manpage.tif");
    std::fs::copy(&fixture, into.join("manpage.tif")).unwrap();
    std::fs::copy(&fixture, into.join("sub/deeper/manpage-copy.tif")).unwrap();
    let mut good = 2;
    if let Some(corpus) = corpus_dir() {
        for (name, to) in [
            ("dev_ccitt1_slerexe_letter_g4.tif", "sub/letter.tif"),
            ("dev_ocrmypdf_kodak_handwriting.pdf", "kodak.pdf"),
        ] {
            std::fs::copy(corpus.join("files").join(name), into.join(to)).unwrap();
            good += 1;
        }
    }
    good
}

#[test]
fn a_batch_with_bad_files_does_the_good_ones_and_reports_the_rest() {
    let scratch = TempDir::new("batch-bad");
    let input = scratch.path("in");
    let good = good_scans(&input);
    let fixture = std::fs::read(input.join("manpage.tif")).unwrap();
    std::fs::write(input.join("corrupt.tif"), &fixture[..fixture.len() / 3]).unwrap();
    std::fs::write(input.join("sub/empty.pdf"), b"").unwrap();
    std::fs::write(input.join("notes.txt"), b"not an image\n").unwrap();
    // Unreadable: a link to nothing (permissions do not stop root, who runs CI).
    std::os::unix::fs::symlink(scratch.path("nowhere.tif"), input.join("unreadable.tif")).unwrap();
    let before = tree(&input);

    let out = scanpress(
        &[
            "compress",
            "in",
            "-o",
            "out",
            "--jobs",
            "2",
            "--report",
            "report.json",
        ],
        &scratch.0,
    );
    assert_eq!(out.status.code(), Some(1), "some inputs failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for bad in ["corrupt.tif", "empty.pdf", "notes.txt", "unreadable.tif"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("FAILED") && l.contains(bad)),
            "{bad} not reported: {stderr}"
        );
    }
    assert!(
        stdout.contains(&format!("{good} of {} files done", good + 4)),
        "{stdout}"
    );

    // Every good scan converted (and verified: the pipeline decodes before writing), nothing
    // else written, the inputs untouched.
    let written = outputs(&scratch.path("out"));
    let names: Vec<String> = written.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(written.len(), good, "{names:?}");
    assert!(written.contains_key(Path::new("sub/deeper/manpage-copy.pdf")));
    for data in written.values() {
        assert!(data.starts_with(b"%PDF-"));
    }
    let hidden: Vec<_> = tree(&scratch.path("out"))
        .into_keys()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(hidden.is_empty(), "temporary files left: {hidden:?}");
    assert_eq!(tree(&input), before, "inputs changed");

    // The report names each failure and its reason, and every page done.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.path("report.json")).unwrap()).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), good + 4);
    for f in files {
        let input = f["input"].as_str().unwrap();
        if ["corrupt", "empty", "notes", "unreadable"]
            .iter()
            .any(|b| input.contains(b))
        {
            assert_eq!(f["status"], "failed", "{input}");
            assert!(!f["reason"].as_str().unwrap().is_empty(), "{input}");
        } else {
            assert_eq!(f["status"], "done", "{input}");
            let page = &f["pages"][0];
            assert!(page["bytes_out"].as_u64().unwrap() > 0);
            assert!(page["seconds_page"].as_f64().unwrap() > 0.0);
            assert_eq!(page["verified"], true);
        }
    }
    assert_eq!(report["summary"]["failed"], 4);
    assert_eq!(report["summary"]["done"], good as u64);

    // CSV: a header and a row a page or failed file.
    let csv = scanpress(
        &["compress", "in", "-o", "out2", "--report", "report.csv"],
        &scratch.0,
    );
    assert_eq!(csv.status.code(), Some(1));
    let text = std::fs::read_to_string(scratch.path("report.csv")).unwrap();
    assert!(text.starts_with("input,output,status,reason,page,codec"));
    assert_eq!(text.lines().count(), 1 + good + 4);

    // Outputs are not overwritten unless asked; usage errors exit 2.
    let again = scanpress(
        &["compress", "in/manpage.tif", "-o", "out/manpage.pdf"],
        &scratch.0,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let usage = scanpress(
        &["compress", "in", "-o", "out", "--shard", "4/4"],
        &scratch.0,
    );
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn outputs_are_the_same_bytes_for_any_jobs_and_any_sharding() {
    let scratch = TempDir::new("batch-same");
    let input = scratch.path("in");
    good_scans(&input);
    let run = |args: &[&str]| {
        let out = scanpress(args, &scratch.0);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["compress", "in", "-o", "one", "--jobs", "1"]);
    run(&["compress", "in", "-o", "two", "--jobs", "2"]);
    run(&[
        "compress",
        "in",
        "-o",
        "unsynced",
        "--jobs",
        "2",
        "--no-sync",
    ]);
    for i in 0..4 {
        let shard = format!("{i}/4");
        run(&[
            "compress", "in", "-o", "shards", "--shard", &shard, "--jobs", "2",
        ]);
    }
    let one = outputs(&scratch.path("one"));
    assert!(!one.is_empty());
    assert_eq!(outputs(&scratch.path("two")), one, "--jobs 2");
    assert_eq!(outputs(&scratch.path("unsynced")), one, "--no-sync");
    // --no-sync keeps the manifest too (unsynced): a second run redoes nothing.
    let again = scanpress(
        &["compress", "in", "-o", "unsynced", "--no-sync"],
        &scratch.0,
    );
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success() && stdout.contains("(0 now,"),
        "{stdout}"
    );
    assert_eq!(outputs(&scratch.path("shards")), one, "4 shards");
    // Each shard kept its own manifest.
    let manifests = tree(&scratch.path("shards"))
        .into_keys()
        .filter(|p| p.to_string_lossy().starts_with(".scanpress-manifest-"))
        .count();
    assert!(manifests > 0);
}

#[test]
fn a_killed_run_resumes_without_redoing_or_losing_work() {
    let Some(corpus) = corpus_dir() else { return };
    let scratch = TempDir::new("batch-resume");
    let input = scratch.path("in");
    std::fs::create_dir_all(&input).unwrap();
    // Full 300 dpi pages, so that the run is still going when it is killed.
    let page = corpus.join("files/dev_lept_feyn_article_g4.tif");
    let count = 10;
    for i in 0..count {
        std::fs::copy(&page, input.join(format!("page{i:02}.tif"))).unwrap();
    }
    let whole = scanpress(
        &["compress", "in", "-o", "whole", "--jobs", "1"],
        &scratch.0,
    );
    assert_eq!(whole.status.code(), Some(0));

    let mut child = Command::new(env!("CARGO_BIN_EXE_scanpress"))
        .args(["compress", "in", "-o", "out", "--jobs", "1"])
        .current_dir(&scratch.0)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let manifest = scratch.path("out/.scanpress-manifest.jsonl");
    let start = Instant::now();
    while std::fs::read_to_string(&manifest).map_or(0, |m| m.lines().count()) < 2 {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let finished = std::fs::read_to_string(&manifest).unwrap().lines().count();
    assert!(finished < count, "the run ended before it was killed");
    let first_run = outputs(&scratch.path("out"));

    let resumed = scanpress(&["compress", "in", "-o", "out", "--jobs", "2"], &scratch.0);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    let earlier = stdout
        .lines()
        .filter(|l| l.ends_with("done in an earlier run"))
        .count();
    assert!(
        earlier >= finished,
        "{finished} finished, {earlier} not redone: {stdout}"
    );
    // Nothing finished was redone: those outputs are the very files of the first run.
    let out = outputs(&scratch.path("out"));
    for (path, data) in &first_run {
        assert_eq!(out.get(path), Some(data), "{}", path.display());
    }
    assert_eq!(
        out,
        outputs(&scratch.path("whole")),
        "same outputs as an uninterrupted run"
    );
    let leftovers: Vec<_> = tree(&scratch.path("out"))
        .into_keys()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

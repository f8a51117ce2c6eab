//! Batches of scans: the files to do and where each goes, shards of a batch for many machines, a
//! manifest of finished files to resume from, and the run itself, several files at a time.
//!
//! Every file is compressed on its own and deterministically, so the outputs are the same bytes
//! whatever the number of threads and however the batch is sharded.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::options::{Format, Options};
use crate::pipeline;
use crate::report::FileReport;

/// One file of a batch: the input, its path relative to the folder it was found in (what shards
/// and the manifest go by), and the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The input file.
    pub input: PathBuf,
    /// The input's path below the folder given, or its name for a file given directly.
    pub relative: PathBuf,
    /// Where the output goes.
    pub output: PathBuf,
}

impl Job {
    /// The relative path with `/` between its parts, the same on every platform.
    pub fn key(&self) -> String {
        let parts: Vec<String> = self
            .relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }
}

/// Lists the files below `dir`, sorted, so runs are repeatable; hidden files (a run's temporary
/// files and manifests among them) are left out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::result::Result<_, _>>()?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Pairs every input file with its output. One input file and an output that is not a folder:
/// that file. Otherwise the output is a folder that mirrors the inputs (a folder's tree below it;
/// a file by its name), each output named with `format`'s extension.
pub fn plan(inputs: &[PathBuf], output: &Path, format: Format) -> Result<Vec<Job>> {
    if let [input] = inputs
        && input.is_file()
        && !output.is_dir()
    {
        let relative = input.file_name().map(PathBuf::from).unwrap_or_default();
        return Ok(vec![Job {
            input: input.clone(),
            relative,
            output: output.to_path_buf(),
        }]);
    }
    if output.exists() && !output.is_dir() {
        return Err(Error::Parameter(format!(
            "{} is a file; several inputs or a folder need an output folder",
            output.display()
        )));
    }
    let mut jobs = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut files = Vec::new();
            walk(input, &mut files).map_err(|e| Error::io(input, e))?;
            for file in files {
                let relative = file.strip_prefix(input).unwrap_or(&file).to_path_buf();
                let out = output.join(&relative).with_extension(format.extension());
                jobs.push(Job {
                    input: file,
                    relative,
                    output: out,
                });
            }
        } else if input.exists() {
            let relative = input.file_name().map(PathBuf::from).unwrap_or_default();
            let out = output.join(&relative).with_extension(format.extension());
            jobs.push(Job {
                input: input.clone(),
                relative,
                output: out,
            });
        } else {
            return Err(Error::Parameter(format!(
                "{} does not exist",
                input.display()
            )));
        }
    }
    // Inputs that would share an output (letter.tif and letter.png) keep their own extension
    // in its name (letter.tif.pdf, letter.png.pdf).
    let mut count: HashMap<PathBuf, usize> = HashMap::new();
    for job in &jobs {
        *count.entry(job.output.clone()).or_default() += 1;
    }
    for job in &mut jobs {
        if count[&job.output] > 1
            && let Some(name) = job.input.file_name()
        {
            let name = format!("{}.{}", name.to_string_lossy(), format.extension());
            job.output.set_file_name(name);
        }
    }
    Ok(jobs)
}

/// Shard `index` of `count` (from 0), as `--shard I/N` gives it: a file belongs to the shard its
/// relative path hashes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// How many shards there are.
    pub count: u32,
}

impl FromStr for Shard {
    type Err = Error;
    /// Parses `I/N`, with I from 0 to N-1.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::Parameter(format!("shard {s} is not like 0/4 (I/N, I from 0 to N-1)"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the file whose [`Job::key`] is `key` belongs to this shard: FNV-1a (64 bits) of
    /// the key's bytes, modulo the count, which is the same on every machine and every run.
    pub fn contains(&self, key: &str) -> bool {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in key.as_bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash % u64::from(self.count) == u64::from(self.index)
    }
}

/// A finished file: one line of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finished {
    /// The input's [`Job::key`].
    pub input: String,
    /// The output written.
    pub output: PathBuf,
    /// Size of the input.
    pub bytes_in: u64,
    /// Size of the output.
    pub bytes_out: u64,
    /// Pages written.
    pub pages: usize,
}

/// The manifest of finished files, JSON lines appended and synced as files finish, so that a run
/// stopped at any moment (Ctrl-C, a power cut) resumes without redoing or losing work.
pub struct Manifest {
    file: Mutex<File>,
    done: HashMap<String, Finished>,
}

impl Manifest {
    /// Opens the manifest at `path`, reading what earlier runs finished; a last line cut short
    /// by a crash is ignored (its file is done again).
    pub fn open(path: &Path) -> Result<Manifest> {
        let mut done = HashMap::new();
        if path.exists() {
            let reader = BufReader::new(File::open(path).map_err(|e| Error::io(path, e))?);
            for line in reader.lines() {
                let line = line.map_err(|e| Error::io(path, e))?;
                if let Ok(entry) = serde_json::from_str::<Finished>(&line) {
                    done.insert(entry.input.clone(), entry);
                }
            }
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        // A line cut short by a crash is ended, so that the next one reads.
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len > 0 && fs::read(path).map_err(|e| Error::io(path, e))?.last() != Some(&b'\n') {
            file.write_all(b"\n").map_err(|e| Error::io(path, e))?;
        }
        Ok(Manifest {
            file: Mutex::new(file),
            done,
        })
    }

    /// What an earlier run recorded of the file with this [`Job::key`], if it finished it.
    pub fn finished(&self, key: &str) -> Option<&Finished> {
        self.done.get(key)
    }

    /// Records a finished file, synced to disk before returning if `sync` ([`Options::sync`]).
    pub fn record(&self, entry: &Finished, sync: bool) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line)?;
        if sync { file.sync_data() } else { Ok(()) }
    }
}

/// What became of one file of a batch.
#[derive(Debug)]
pub enum Outcome {
    /// Compressed, verified and written.
    Done(FileReport),
    /// Finished by an earlier run, as the manifest says.
    DoneEarlier(Finished),
    /// Not done, and why.
    Failed(String),
}

/// How a batch runs.
#[derive(Clone, Debug, Default)]
pub struct BatchOptions {
    /// Files at a time; 0 for one a core.
    pub jobs: usize,
    /// Overwrite outputs that exist, and redo files the manifest lists as finished.
    pub force: bool,
    /// Only this shard's files.
    pub shard: Option<Shard>,
    /// The manifest to resume from and record in.
    pub manifest: Option<PathBuf>,
}

/// Runs the batch: the jobs of `batch.shard`, `batch.jobs` at a time, each compressed with
/// `options`. `progress` hears of each file as it ends, from whichever thread did it. Returns
/// the jobs run and their outcomes, in the order of `jobs`. A failed file never stops the others.
pub fn run(
    jobs: &[Job],
    options: &Options,
    batch: &BatchOptions,
    progress: &(dyn Fn(&Job, &Outcome) + Sync),
) -> Result<Vec<(Job, Outcome)>> {
    let selected: Vec<&Job> = jobs
        .iter()
        .filter(|j| batch.shard.is_none_or(|s| s.contains(&j.key())))
        .collect();
    let manifest = batch.manifest.as_deref().map(Manifest::open).transpose()?;
    pipeline::remove_stale_temporaries(selected.iter().map(|j| j.output.as_path()));
    let run = |job: &Job| {
        let outcome = run_one(job, options, batch.force, manifest.as_ref());
        progress(job, &outcome);
        outcome
    };
    if let [job] = selected[..]
        && batch.jobs == 0
    {
        // One file on as many threads as there are: on this one, the threads within the file
        // started as it needs them (a pool of its own would start them all first, for nothing
        // if the file's codec does not use them).
        return Ok(vec![(job.clone(), run(job))]);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(batch.jobs)
        .build()
        .map_err(|e| Error::Parameter(format!("cannot start {} threads: {e}", batch.jobs)))?;
    let outcomes: Vec<Outcome> = pool.install(|| selected.par_iter().map(|job| run(job)).collect());
    Ok(selected.into_iter().cloned().zip(outcomes).collect())
}

/// Compresses one file of a batch and records it in the manifest.
fn run_one(job: &Job, options: &Options, force: bool, manifest: Option<&Manifest>) -> Outcome {
    let key = job.key();
    // With `force`, everything is done again.
    if let Some(done) = manifest.and_then(|m| m.finished(&key))
        && job.output.exists()
        && !force
    {
        return Outcome::DoneEarlier(done.clone());
    }
    if job.output.exists() && !force {
        return Outcome::Failed(format!("{} exists (use --force)", job.output.display()));
    }
    if let Some(parent) = job.output.parent()
        && let Err(e) = fs::create_dir_all(parent)
    {
        return Outcome::Failed(format!("{}: {e}", parent.display()));
    }
    let report = match pipeline::compress_file(&job.input, &job.output, options) {
        Ok(report) => report,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    if let Some(manifest) = manifest {
        let entry = Finished {
            input: key,
            output: job.output.clone(),
            bytes_in: report.bytes_in,
            bytes_out: report.bytes_out,
            pages: report.pages.len(),
        };
        if let Err(e) = manifest.record(&entry, options.sync) {
            return Outcome::Failed(format!("written, but not recorded in the manifest: {e}"));
        }
    }
    Outcome::Done(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_that_would_share_an_output_keep_their_extension() {
        let dir = std::env::temp_dir().join(format!("scanpress-plan-{}", std::process::id()));
        fs::create_dir_all(dir.join("in")).unwrap();
        for name in ["letter.tif", "letter.png", "memo.tif"] {
            fs::write(dir.join("in").join(name), b"x").unwrap();
        }
        let jobs = plan(&[dir.join("in")], &dir.join("out"), Format::Pdf).unwrap();
        let names: Vec<String> = jobs
            .iter()
            .map(|j| {
                j.output
                    .strip_prefix(dir.join("out"))
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["letter.png.pdf", "letter.tif.pdf", "memo.pdf"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shards_parse_and_split_every_file_into_exactly_one() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        for bad in ["4/4", "1/0", "a/4", "1", "-1/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let keys: Vec<String> = (0..1000).map(|i| format!("scans/{i}/letter.tif")).collect();
        let shards: Vec<Shard> = (0..4).map(|index| Shard { index, count: 4 }).collect();
        let mut sizes = [0; 4];
        for key in &keys {
            let owners: Vec<u32> = shards
                .iter()
                .filter(|s| s.contains(key))
                .map(|s| s.index)
                .collect();
            assert_eq!(owners.len(), 1, "{key}");
            sizes[owners[0] as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 200), "{sizes:?}");
        // The hash is fixed (FNV-1a of "a.tif" is 0x7f0f72b5574d1a71): the same key lands in the
        // same shard on every machine.
        assert!(Shard { index: 1, count: 4 }.contains("a.tif"));
    }
}

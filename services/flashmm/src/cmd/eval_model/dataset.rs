//! Reading a dataset `.npz` written by `flashmm dataset`: the arrays `X`, `ts`, `label`,
//! `l1_imbalance` and the `meta` JSON, checked against each other.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, ensure, Context};

/// The rows of one dataset file.
#[derive(Debug)]
pub struct Dataset {
    /// Features, row-major `[rows, width]`.
    pub x: Vec<f32>,
    /// Features per row.
    pub width: usize,
    /// Row times, UTC ns.
    pub ts: Vec<i64>,
    /// Classes: 0 down, 1 flat, 2 up.
    pub label: Vec<u8>,
    /// Level-1 book imbalance of each row.
    pub l1_imbalance: Vec<f32>,
    /// The realised mid move over the horizon, bps.
    pub move_bps: Vec<f32>,
    /// Schema hash of the features, `0x…`.
    pub schema_hash: String,
    /// Label horizon, ms.
    pub horizon_ms: u64,
    /// Flat band half-width, bps.
    pub dead_band_bps: f64,
}

impl Dataset {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.ts.len()
    }

    /// The features of row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.width..(i + 1) * self.width]
    }

    /// Reads and checks `path`.
    pub fn read(path: &Path) -> anyhow::Result<Dataset> {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open dataset {}", path.display()))?;
        let mut zip = zip::ZipArchive::new(file)
            .with_context(|| format!("{} is not an .npz (zip) file", path.display()))?;
        let mut array = |name: &str| -> anyhow::Result<Npy> {
            let mut member = zip.by_name(&format!("{name}.npy")).with_context(|| {
                format!(
                    "{} has no array {name:?} (write it with `flashmm dataset`)",
                    path.display()
                )
            })?;
            let mut bytes = Vec::new();
            member.read_to_end(&mut bytes)?;
            Npy::parse(bytes).with_context(|| format!("{}: array {name:?}", path.display()))
        };
        let x = array("X")?;
        let ts = array("ts")?;
        let label = array("label")?;
        let l1 = array("l1_imbalance")?;
        let moves = array("move_bps")?;
        let meta = array("meta")?;

        let meta: serde_json::Value = serde_json::from_str(&meta.unicode()?)
            .with_context(|| format!("{}: meta is not JSON", path.display()))?;
        let [rows, width] = x.shape[..] else {
            bail!(
                "{}: X has shape {:?}, expected 2-D",
                path.display(),
                x.shape
            );
        };
        let dataset = Dataset {
            x: x.f32()?,
            width,
            ts: ts.i64()?,
            label: label
                .i8()?
                .into_iter()
                .map(|l| u8::try_from(l).ok().filter(|l| *l <= 2))
                .collect::<Option<Vec<u8>>>()
                .with_context(|| format!("{}: labels outside 0, 1, 2", path.display()))?,
            l1_imbalance: l1.f32()?,
            move_bps: moves.f32()?,
            schema_hash: meta["schema_hash"]
                .as_str()
                .with_context(|| format!("{}: meta lacks schema_hash", path.display()))?
                .to_owned(),
            horizon_ms: meta["horizon_ms"]
                .as_u64()
                .with_context(|| format!("{}: meta lacks horizon_ms", path.display()))?,
            dead_band_bps: meta["dead_band_bps"]
                .as_f64()
                .with_context(|| format!("{}: meta lacks dead_band_bps", path.display()))?,
        };
        for (name, n) in [
            ("ts", dataset.ts.len()),
            ("label", dataset.label.len()),
            ("l1_imbalance", dataset.l1_imbalance.len()),
            ("move_bps", dataset.move_bps.len()),
        ] {
            ensure!(
                n == rows,
                "{}: {name} has {n} rows, X has {rows}",
                path.display()
            );
        }
        ensure!(rows > 0, "{}: no rows", path.display());
        Ok(dataset)
    }
}

/// One `.npy` array: dtype descriptor, shape and little-endian data.
struct Npy {
    descr: String,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl Npy {
    /// Parses `.npy` bytes (format versions 1 to 3, C order).
    fn parse(bytes: Vec<u8>) -> anyhow::Result<Npy> {
        ensure!(
            bytes.len() >= 10 && bytes.starts_with(b"\x93NUMPY"),
            "not an .npy array"
        );
        let (header_len, start) = match bytes[6] {
            1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
            2 | 3 if bytes.len() >= 12 => {
                let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
                (usize::try_from(len)?, 12)
            }
            v => bail!("unsupported .npy version {v}"),
        };
        let header = bytes
            .get(start..start + header_len)
            .context("truncated .npy header")?;
        let header = std::str::from_utf8(header).context(".npy header is not text")?;
        ensure!(
            header.contains("'fortran_order': False"),
            "only C-order arrays are read"
        );
        let descr = quoted_after(header, "'descr':").context(".npy header lacks descr")?;
        let shape_text = header
            .split_once("'shape':")
            .and_then(|(_, rest)| rest.split_once('('))
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(inside, _)| inside)
            .context(".npy header lacks shape")?;
        let shape = shape_text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .context("bad .npy shape")?;
        let data = bytes[start + header_len..].to_vec();
        Ok(Npy { descr, shape, data })
    }

    fn count(&self) -> usize {
        self.shape.iter().product()
    }

    fn fixed<const N: usize>(&self, descr: &[&str]) -> anyhow::Result<Vec<[u8; N]>> {
        ensure!(
            descr.contains(&self.descr.as_str()),
            "dtype {} where {} was expected",
            self.descr,
            descr.join(" or ")
        );
        ensure!(
            self.data.len() == self.count() * N,
            "{} data bytes for shape {:?}",
            self.data.len(),
            self.shape
        );
        Ok(self
            .data
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                a
            })
            .collect())
    }

    fn f32(&self) -> anyhow::Result<Vec<f32>> {
        Ok(self
            .fixed::<4>(&["<f4"])?
            .into_iter()
            .map(f32::from_le_bytes)
            .collect())
    }

    fn i64(&self) -> anyhow::Result<Vec<i64>> {
        Ok(self
            .fixed::<8>(&["<i8"])?
            .into_iter()
            .map(i64::from_le_bytes)
            .collect())
    }

    fn i8(&self) -> anyhow::Result<Vec<i8>> {
        Ok(self
            .fixed::<1>(&["|i1", "<i1"])?
            .into_iter()
            .map(i8::from_le_bytes)
            .collect())
    }

    /// The first element of a `<U{n}` array.
    fn unicode(&self) -> anyhow::Result<String> {
        let n: usize = self
            .descr
            .strip_prefix("<U")
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("dtype {} where <U was expected", self.descr))?;
        let bytes = self.data.get(..n * 4).context("truncated string array")?;
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .take_while(|&c| c != 0)
            .map(|c| char::from_u32(c).context("invalid character in string array"))
            .collect()
    }
}

/// The single-quoted value after `key` in a header dict.
fn quoted_after(header: &str, key: &str) -> Option<String> {
    let (_, rest) = header.split_once(key)?;
    let (_, rest) = rest.split_once('\'')?;
    let (value, _) = rest.split_once('\'')?;
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::dataset::npz;

    fn write(path: &Path, label: &[i8], meta: &str) {
        let file = std::fs::File::create(path).unwrap();
        let x: Vec<f32> = (0..label.len() * 2).map(|v| v as f32 * 0.5).collect();
        let ts: Vec<i64> = (0..label.len() as i64).map(|i| 1_000 + i).collect();
        let l1: Vec<f32> = label.iter().map(|&l| f32::from(l) - 1.0).collect();
        npz::write(
            file,
            &[
                ("X", npz::Array::f32(vec![label.len(), 2], &x)),
                ("ts", npz::Array::i64(&ts)),
                ("move_bps", npz::Array::f32(vec![label.len()], &l1)),
                ("label", npz::Array::i8(label)),
                ("l1_imbalance", npz::Array::f32(vec![label.len()], &l1)),
                ("meta", npz::Array::string(meta)),
            ],
        )
        .unwrap();
    }

    const META: &str =
        r#"{"schema_hash": "0x00000000000000ff", "horizon_ms": 100, "dead_band_bps": 0.5}"#;

    #[test]
    fn reads_what_flashmm_dataset_writes() {
        let path = std::env::temp_dir().join(format!("eval-ds-{}.npz", std::process::id()));
        write(&path, &[0, 1, 2], META);
        let d = Dataset::read(&path).unwrap();
        assert_eq!(d.rows(), 3);
        assert_eq!(d.width, 2);
        assert_eq!(d.row(1), &[1.0, 1.5]);
        assert_eq!(d.ts, vec![1_000, 1_001, 1_002]);
        assert_eq!(d.label, vec![0, 1, 2]);
        assert_eq!(d.l1_imbalance, vec![-1.0, 0.0, 1.0]);
        assert_eq!(d.schema_hash, "0x00000000000000ff");
        assert_eq!((d.horizon_ms, d.dead_band_bps), (100, 0.5));

        write(&path, &[0, 3], META);
        let err = Dataset::read(&path).unwrap_err().to_string();
        assert!(err.contains("labels outside 0, 1, 2"), "{err}");

        write(&path, &[0, 1], r#"{"horizon_ms": 100}"#);
        let err = Dataset::read(&path).unwrap_err().to_string();
        assert!(err.contains("meta lacks schema_hash"), "{err}");
        let _ = std::fs::remove_file(path);
    }
}

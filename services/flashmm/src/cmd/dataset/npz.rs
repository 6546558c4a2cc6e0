//! A minimal `.npz` writer (an uncompressed zip of `.npy` arrays) that numpy's `np.load` reads.

use std::io::{Seek, Write};

use anyhow::Context;

/// One array to store: its dtype descriptor, shape and little-endian bytes.
pub struct Array {
    descr: String,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl Array {
    /// A float32 array of `shape` (row-major).
    pub fn f32(shape: Vec<usize>, values: &[f32]) -> Array {
        Array {
            descr: "<f4".into(),
            shape,
            data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// A 1-D int64 array.
    pub fn i64(values: &[i64]) -> Array {
        Array {
            descr: "<i8".into(),
            shape: vec![values.len()],
            data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// A 1-D int8 array.
    pub fn i8(values: &[i8]) -> Array {
        Array {
            descr: "|i1".into(),
            shape: vec![values.len()],
            data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// A one-element unicode string array (`<U{n}`, UTF-32LE).
    pub fn string(text: &str) -> Array {
        let chars: Vec<char> = text.chars().collect();
        Array {
            descr: format!("<U{}", chars.len().max(1)),
            shape: vec![1],
            data: if chars.is_empty() {
                vec![0; 4]
            } else {
                chars
                    .iter()
                    .flat_map(|c| (*c as u32).to_le_bytes())
                    .collect()
            },
        }
    }

    /// The `.npy` file: magic, version 1.0, a header padded to 64 bytes, the data.
    fn to_npy(&self) -> Vec<u8> {
        let shape = match self.shape.as_slice() {
            [n] => format!("({n},)"),
            dims => format!(
                "({})",
                dims.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
            self.descr
        );
        let unpadded = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len() + self.data.len());
        out.extend_from_slice(b"\x93NUMPY\x01\x00");
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&self.data);
        out
    }
}

/// Writes `arrays` (name → array) as an `.npz` archive.
pub fn write<W: Write + Seek>(out: W, arrays: &[(&str, Array)]) -> anyhow::Result<()> {
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    for (name, array) in arrays {
        zip.start_file(format!("{name}.npy"), options)
            .with_context(|| format!("npz entry {name}"))?;
        zip.write_all(&array.to_npy())?;
    }
    zip.finish().context("finish npz")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_aligned_and_describes_the_array() {
        let npy = Array::f32(vec![2, 3], &[1.0; 6]).to_npy();
        assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([npy[8], npy[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&npy[10..10 + header_len]).unwrap();
        assert!(header.contains("'descr': '<f4'"));
        assert!(header.contains("'shape': (2, 3)"));
        assert!(header.ends_with('\n'));
        assert_eq!(npy.len(), 10 + header_len + 24);
        let one = Array::i64(&[7]).to_npy();
        assert_eq!((one.len() - 8) % 64, 0);
        assert_eq!(&one[one.len() - 8..], &7i64.to_le_bytes());
        let s = Array::string("ab").to_npy();
        assert!(std::str::from_utf8(&s[10..74]).unwrap().contains("'<U2'"));
        assert_eq!(&s[s.len() - 8..], &[97, 0, 0, 0, 98, 0, 0, 0]);
    }
}

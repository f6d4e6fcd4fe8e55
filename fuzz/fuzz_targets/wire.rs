//! A transport over fuzz input, shared by the wire-protocol targets: reads
//! come from the input (the peer's bytes), writes are accepted and dropped.

#![allow(dead_code)]

use std::io;

use ei::dist::transport::{Deadline, Transport};

pub struct Script<'a> {
    pub input: &'a [u8],
    pub header: usize,
    pub written: usize,
}

impl<'a> Script<'a> {
    pub fn new(input: &'a [u8], header: usize) -> Self {
        Script {
            input,
            header,
            written: 0,
        }
    }
}

impl Transport for Script<'_> {
    fn read(&mut self, buf: &mut [u8], _: Deadline) -> io::Result<usize> {
        // Hand out at most 7 bytes at a time, so short reads are exercised.
        let n = buf.len().min(self.input.len()).min(7);
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        Ok(n)
    }
    fn write(&mut self, buf: &[u8], _: Deadline) -> io::Result<usize> {
        self.written += buf.len();
        Ok(buf.len())
    }
    fn handshake_header_size(&mut self) -> io::Result<usize> {
        Ok(self.header)
    }
}

//! Frames of an established connection from the input: ticks, control
//! messages and payloads, read into a growable and into a fixed buffer, and
//! as raw frames. Properties: no panic; a payload never exceeds its frame;
//! the growable buffer grows with the bytes that arrived (at most one
//! growth step beyond them), not with the length a frame claims; the
//! in-place receive (the C API's way into an `ei_x_buff`) makes of every
//! frame what the general one makes, and leaves the stream at the same
//! place.
#![no_main]

use ei::dist::message::{self, PayloadBuf, Received};
use ei::dist::Error;
use libfuzzer_sys::fuzz_target;

mod wire;

/// A frame as received: `None` for a tick, else the kind and the payload.
type Got = Option<(i64, Vec<u8>)>;

fn general<B: PayloadBuf + ?Sized>(
    t: &mut wire::Script<'_>,
    header: &mut Vec<u8>,
    buf: &mut B,
) -> Result<Got, Error> {
    let kind = match message::receive(t, header, buf, None)? {
        Received::Tick => return Ok(None),
        Received::Message {
            control,
            payload_len,
        } => (control.kind, payload_len),
    };
    Ok(Some((kind.0, buf.bytes_mut()[..kind.1].to_vec())))
}

fn in_place<B: PayloadBuf + ?Sized>(t: &mut wire::Script<'_>, buf: &mut B) -> Result<Got, Error> {
    let Some(len) = message::read_frame_length(t, None)? else {
        return Ok(None);
    };
    let kind = |c: &message::Control<'_>, n: usize| (c.kind, n);
    let (kind, n) = if message::fits_in_place(buf, len)? {
        message::receive_frame_in_place(t, len, buf, None, kind)?
    } else {
        message::receive_frame_with(t, len, &mut Vec::new(), buf, None, kind)?
    };
    Ok(Some((kind, buf.bytes_mut()[..n].to_vec())))
}

/// Both ways over the whole input, into buffers `a` and `b`, frame by frame.
fn same_both_ways<B: PayloadBuf + ?Sized>(data: &[u8], a: &mut B, b: &mut B) {
    let mut header = Vec::new();
    let (mut ta, mut tb) = (wire::Script::new(data, 2), wire::Script::new(data, 2));
    while !ta.input.is_empty() {
        let (ra, rb) = (general(&mut ta, &mut header, a), in_place(&mut tb, b));
        match (&ra, &rb) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "general and in-place receives differ"),
            (Err(x), Err(y)) => assert_eq!(
                std::mem::discriminant(x),
                std::mem::discriminant(y),
                "general {x:?}, in place {y:?}"
            ),
            _ => panic!("general {ra:?}, in place {rb:?}"),
        }
        assert_eq!(ta.input.len(), tb.input.len(), "out of step after {ra:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    same_both_ways(data, &mut Vec::new(), &mut Vec::new());
    same_both_ways(data, &mut [0u8; 300][..], &mut [0u8; 300][..]);

    let mut header = Vec::new();
    let mut grow = Vec::new();
    let mut t = wire::Script::new(data, 2);
    while !t.input.is_empty() {
        let before = t.input.len();
        match message::receive(&mut t, &mut header, &mut grow, None) {
            Ok(Received::Message { payload_len, .. }) => assert!(payload_len <= before),
            Ok(Received::Tick) => {}
            Err(_) => {}
        }
        assert!(
            grow.len() <= 2 * data.len() + (2 << 20),
            "buffer {} for {} input bytes",
            grow.len(),
            data.len()
        );
        assert!(t.input.len() < before, "no progress");
    }
    let mut fixed = [0u8; 300];
    let mut t = wire::Script::new(data, 2);
    while !t.input.is_empty() {
        let _ = message::receive(&mut t, &mut header, &mut fixed[..], None);
    }
    let mut t = wire::Script::new(data, 2);
    while !t.input.is_empty() {
        if let Ok(Some(n)) = message::receive_raw(&mut t, &mut fixed, None) {
            assert!(n <= fixed.len());
        }
    }
    // Control messages alone.
    if let Ok((_, layout)) = message::parse_control(data) {
        assert!(layout.payload_start <= data.len());
        let _ = message::check_payload(&data[layout.payload_start..], &layout);
    }
    let _ = message::check_frame(data);
});

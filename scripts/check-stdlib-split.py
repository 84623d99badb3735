#!/usr/bin/python3
"""Checks a hako linked with the split standard library against one linked without it.

    HAKO_STDLIB=toolchain ./scripts/build-release.sh && cp .build/lean/release/hako /tmp/hako-toolchain
    ./scripts/build-release.sh
    scripts/check-stdlib-split.py /tmp/hako-toolchain .build/lean/release/hako

Both binaries hold the same functions at different addresses. For every function symbol the
two have with the same size, each instruction is decoded in both, and every call, jump and
RIP-relative operand must reach the same place: the same offset inside the function, the
same named function, or, for code without a symbol, code that reads the same up to its first
jump or return; an absolute address (an immediate or displacement of this static binary) is
read the same way. Jump tables (what a lea of data followed by entries into the function is)
must send each entry to the same offset of the function (the entries both binaries read: a
table's end is not marked, and the data after one can read as entries by chance). Data is left out: references to
data always had relocations, which scripts/split-text-sections.py does not touch. Exits 1
and lists the functions that differ.
"""
import struct
import sys

from capstone import CS_ARCH_X86, CS_MODE_64, Cs
from capstone import x86_const as X86

SHDR = struct.Struct('<IIQQQQIIQQ')
PHDR = struct.Struct('<IIQQQQQQ')
SYM = struct.Struct('<IBBHQQ')
STT_FUNC, SHT_SYMTAB, PT_LOAD, SHF_EXECINSTR = 2, 2, 1, 0x4


class Binary:
    def __init__(self, path):
        self.raw = open(path, 'rb').read()
        phoff, shoff = struct.unpack_from('<QQ', self.raw, 32)
        phnum = struct.unpack_from('<H', self.raw, 56)[0]
        shnum = struct.unpack_from('<H', self.raw, 60)[0]
        self.segments = [(p[3], p[2], p[5], p[6]) for p in
                         (PHDR.unpack_from(self.raw, phoff + i * PHDR.size) for i in range(phnum))
                         if p[0] == PT_LOAD]
        sections = [SHDR.unpack_from(self.raw, shoff + i * SHDR.size) for i in range(shnum)]
        self.code = [(s[3], s[5]) for s in sections if s[2] & SHF_EXECINSTR and s[3]]
        symtab = next((s for s in sections if s[1] == SHT_SYMTAB), None)
        if symtab is None:
            raise SystemExit(f'check-stdlib-split: {path} has no symbol table (stripped?)')
        strings = sections[symtab[6]]
        names = self.raw[strings[4]:strings[4] + strings[5]]
        self.functions, self.names = {}, {}
        for i in range(0, symtab[5], SYM.size):
            name, info, _, shndx, value, size = SYM.unpack_from(self.raw, symtab[4] + i)
            if info & 0xF != STT_FUNC or not value:
                continue
            text = names[name:names.index(b'\0', name)].decode(errors='replace')
            self.functions[text] = (value, size)
            self.names.setdefault(value, text)

    def read(self, address, size):
        for vaddr, offset, filesz, _ in self.segments:
            if vaddr <= address < vaddr + filesz:
                start = offset + address - vaddr
                return self.raw[start:start + min(size, vaddr + filesz - address)]
        return b''

    def inside(self, address):
        return any(vaddr <= address < vaddr + memsz for vaddr, _, _, memsz in self.segments)

    def is_code(self, address):
        return any(start <= address < start + size for start, size in self.code)


def target(ins):
    for op in ins.operands:
        if op.type == X86.X86_OP_MEM and op.mem.base == X86.X86_REG_RIP:
            return ins.address + ins.size + op.mem.disp
        if op.type == X86.X86_OP_IMM and (X86.X86_GRP_JUMP in ins.groups or X86.X86_GRP_CALL in ins.groups):
            return op.imm
    return None


def place(binary, md, address):
    """What a reference reaches, in terms that do not depend on the layout."""
    if not binary.is_code(address):
        return ('data',)
    if address in binary.names:
        return binary.names[address]
    read = []
    for ins in md.disasm(binary.read(address, 64), address):
        read.append(ins.mnemonic)
        if ins.mnemonic in ('jmp', 'ret', 'ud2'):
            break
    return tuple(read)


def jump_table(binary, start, size, table):
    entries = []
    for k in range(4096):
        raw = binary.read(table + 4 * k, 4)
        if len(raw) < 4:
            break
        block = table + struct.unpack('<i', raw)[0]
        if not start <= block < start + size:
            break
        entries.append(block - start)
    return entries


def reading(binary, md, start, size):
    """Each instruction as (mnemonic, operands, where it reaches): operands as raw values,
    where it reaches in terms that do not depend on the layout."""
    out = []
    for ins in md.disasm(binary.read(start, size), start):
        reached = target(ins)
        branch = X86.X86_GRP_JUMP in ins.groups or X86.X86_GRP_CALL in ins.groups
        values = []
        for op in ins.operands:
            if op.type == X86.X86_OP_REG:
                values.append(('reg', op.reg))
            elif op.type == X86.X86_OP_IMM:
                values.append(('pc-relative',) if branch else ('imm', op.imm))
            elif op.type == X86.X86_OP_MEM and op.mem.base == X86.X86_REG_RIP:
                values.append(('pc-relative',))
            elif op.type == X86.X86_OP_MEM:
                values.append(('mem', op.mem.base, op.mem.index, op.mem.scale, op.mem.disp))
        if reached is None:
            where = None
        elif start <= reached < start + size:
            where = ('here', reached - start)
        elif ins.mnemonic == 'lea' and not binary.is_code(reached):
            where = ('table', tuple(jump_table(binary, start, size, reached)))
        else:
            where = place(binary, md, reached)
        out.append((ins.mnemonic, values, where))
    return out


def same(before, after, md, x, y):
    """Whether two instructions do the same: equal operands, or, where a value differs, an
    absolute address of each binary (a static binary's immediates and displacements) that
    reaches the same place."""
    if x[0] != y[0] or len(x[1]) != len(y[1]):
        return False
    if x[2] != y[2]:
        # A table's end is not marked: entries are read while they land in the function, and
        # the data after a table may do so by chance in one binary. The entries both have
        # must agree.
        if not (x[2] and y[2] and x[2][0] == y[2][0] == 'table'):
            return False
        common = min(len(x[2][1]), len(y[2][1]))
        if not common or x[2][1][:common] != y[2][1][:common]:
            return False
    for u, v in zip(x[1], y[1]):
        if u == v or u[0] != v[0]:
            if u != v:
                return False
            continue
        a, b = u[-1], v[-1]
        if u[:-1] != v[:-1] or not before.inside(a) or not after.inside(b) \
                or place(before, md, a) != place(after, md, b):
            return False
    return True


def main():
    if len(sys.argv) != 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    md = Cs(CS_ARCH_X86, CS_MODE_64)
    md.detail = True
    before, after = Binary(sys.argv[1]), Binary(sys.argv[2])
    checked, differ = 0, []
    for name, (start, size) in sorted(before.functions.items()):
        other = after.functions.get(name)
        if other is None or other[1] != size or not size:
            continue
        checked += 1
        a, b = reading(before, md, start, size), reading(after, md, other[0], size)
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if not same(before, after, md, x, y)),
                  None if len(a) == len(b) else min(len(a), len(b)))
        if at is not None:
            differ.append(name)
            print(f'differs: {name}, instruction {at}: {a[at:at + 1]} / {b[at:at + 1]}', file=sys.stderr)
    print(f'check-stdlib-split: {checked} functions in both, {len(differ)} differ')
    return 1 if differ else 0


if __name__ == '__main__':
    sys.exit(main())

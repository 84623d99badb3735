#!/usr/bin/python3
"""Splits the one .text section of an x86-64 ELF object into one section per function.

    split-text-sections.py IN.o OUT.o

Why: the Swift standard library's Swift.o (in the toolchain's libswiftCore.a) holds 1.6 MB
of code, 12,676 functions, in a single .text section. A linker moves sections, not functions,
so `--symbol-ordering-file` cannot gather the few standard-library functions a hako command
runs, and they lie in 22 of that section's 25 windows of 64 KiB, each of which the kernel maps
whole on its first fault (bench/README.md, "Eleventh round"). Given a section per function,
lld orders them like hako's own (built with -function-sections) and drops those nothing
calls (--gc-sections).

How: a function starts at each function symbol and at each FDE of .eh_frame (the compiler
leaves some functions without a symbol). Within one section the assembler resolved every
PC-relative call, jump and RIP-relative operand itself and left no relocation, so once the
functions are apart each of those references needs one: every instruction is decoded
(capstone), and each reference that leaves its function gets an R_X86_64_PC32 against the
target function's section. References that cannot be relocated keep their functions
together: a one-byte jump into another function, code that runs on into the next function,
an FDE spanning two. References into .text from elsewhere (relocations against the .text
section symbol, from data, .eh_frame, jump tables and other code) are moved to the section
of the function they point into.

Checks, each of which stops the tool: every byte of .text decodes; every reference made
gives, at the original layout, the bytes the assembler wrote; no one-byte branch is left
between two sections; the section count stays below SHN_LORESERVE.
scripts/check-stdlib-split.py compares a binary linked with the result against one linked
with the original, function by function (CI runs it).
"""
import bisect
import struct
import sys

from capstone import CS_ARCH_X86, CS_MODE_64, Cs
from capstone import x86_const as X86

SHT_SYMTAB, SHT_RELA, SHT_NOBITS = 2, 4, 8
SHF_ALLOC, SHF_EXECINSTR, SHF_INFO_LINK = 0x2, 0x4, 0x40
STT_FUNC, STT_SECTION, STB_LOCAL = 2, 3, 0
R_X86_64_PC32, R_X86_64_PLT32 = 2, 4
SHN_LORESERVE = 0xFF00
# Sections that hold symbol or section indices this tool would have to renumber.
SHT_GROUP, SHT_SYMTAB_SHNDX, SHT_LLVM_ADDRSIG = 17, 18, 0x6FFF4C03
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
SHDR = struct.Struct('<IIQQQQIIQQ')
SYM = struct.Struct('<IBBHQQ')
RELA = struct.Struct('<QQq')
PREFIXES = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF2, 0xF3}
SHORT_BRANCHES = {0xEB, 0xE0, 0xE1, 0xE2, 0xE3} | set(range(0x70, 0x80))
NO_FALL_THROUGH = {'jmp', 'ret', 'ud2', 'hlt', 'int3', 'call'}


class SplitError(Exception):
    pass


class Section:
    def __init__(self, header, data, name):
        (self.name_offset, self.type, self.flags, self.addr, _, self.size, self.link,
         self.info, self.align, self.entsize) = header
        self.data = data
        self.name = name


def read_object(path):
    raw = open(path, 'rb').read()
    if len(raw) < EHDR.size:
        raise SplitError(f'{path}: not an x86-64 relocatable ELF object')
    header = EHDR.unpack_from(raw, 0)
    if header[0][:4] != b'\x7fELF' or header[0][4] != 2 or header[2] != 62 or header[1] != 1:
        raise SplitError(f'{path}: not an x86-64 relocatable ELF object')
    shoff, shnum, shstrndx = header[6], header[12], header[13]
    headers = [SHDR.unpack_from(raw, shoff + i * SHDR.size) for i in range(shnum)]
    names = raw[headers[shstrndx][4]:headers[shstrndx][4] + headers[shstrndx][5]]
    sections = []
    for h in headers:
        data = b'' if h[1] == SHT_NOBITS else raw[h[4]:h[4] + h[5]]
        name = names[h[0]:names.index(b'\0', h[0])].decode()
        sections.append(Section(h, data, name))
    return header, sections, shstrndx


def relocations(section):
    return [list(RELA.unpack_from(section.data, i)) for i in range(0, len(section.data), RELA.size)]


class Function:
    """One contiguous piece of the old .text that becomes a section of its own."""

    def __init__(self, start, end):
        self.start, self.end = start, end
        self.relocations = []      # [offset within the function, info sym, type, addend]
        self.section = None        # its index in the output
        self.symbol = None         # its section symbol's index in the output


def decode(md, code, start, end):
    """The instructions of code[start:end], at their offsets in the section."""
    offset = start
    while offset < end:
        decoded = list(md.disasm(code[offset:end], offset))
        if not decoded:
            raise SplitError(f'.text+{offset:#x}: bytes that do not decode as an instruction')
        yield from decoded
        offset = decoded[-1].address + decoded[-1].size


def pc_relative_field(ins):
    """(offset of the 4- or 1-byte field, its size, target) of a PC-relative operand, or None."""
    end = ins.address + ins.size
    raw = bytes(ins.bytes)
    for op in ins.operands:
        if op.type == X86.X86_OP_MEM and op.mem.base == X86.X86_REG_RIP:
            field = struct.pack('<i', op.mem.disp)
            places = [p for p in range(len(raw) - 3) if raw[p:p + 4] == field]
            # The displacement precedes any immediate: the first match is it unless an
            # immediate equal to it comes first, which an instruction cannot encode.
            if not places:
                raise SplitError(f'.text+{ins.address:#x}: no displacement field in {ins.mnemonic} {ins.op_str}')
            return ins.address + places[0], 4, end + op.mem.disp
    relative = (X86.X86_GRP_JUMP in ins.groups or X86.X86_GRP_CALL in ins.groups
                or ins.id in (X86.X86_INS_LOOP, X86.X86_INS_LOOPE, X86.X86_INS_LOOPNE,
                              X86.X86_INS_JRCXZ, X86.X86_INS_JECXZ))
    if relative:
        for op in ins.operands:
            if op.type == X86.X86_OP_IMM:
                k = 0
                while raw[k] in PREFIXES or 0x40 <= raw[k] <= 0x4F:
                    k += 1
                size = 1 if raw[k] in SHORT_BRANCHES else 4
                return end - size, size, op.imm
    return None


class ObjectFile:
    """A relocatable object as sections, symbols and one string table, written back whole."""

    def __init__(self, path):
        self.path = path
        self.header, self.sections, shstrndx = read_object(path)
        self.symtab_index = next(i for i, s in enumerate(self.sections) if s.type == SHT_SYMTAB)
        symtab = self.sections[self.symtab_index]
        if symtab.link != shstrndx:
            raise SplitError(f'{path}: section names and symbol names in two string tables')
        self.strtab = self.sections[symtab.link]
        self.symbols = [list(SYM.unpack_from(symtab.data, i)) for i in range(0, len(symtab.data), SYM.size)]
        self.first_global = symtab.info
        for s in self.sections:
            if s.type in (SHT_GROUP, SHT_SYMTAB_SHNDX, SHT_LLVM_ADDRSIG):
                raise SplitError(f'{path}: section {s.name} (type {s.type:#x}) is not handled')

    def index(self, name):
        return next((i for i, s in enumerate(self.sections) if s.name == name), None)

    def relocations_of(self, index):
        """The index of the RELA section that relocates section `index`, or None."""
        return next((i for i, s in enumerate(self.sections)
                     if s.type == SHT_RELA and s.info == index), None)

    def symbol_name(self, sym):
        data = self.strtab.data
        return data[sym[0]:data.index(b'\0', sym[0])].decode()

    def write(self, path, sections):
        """Header, each section's bytes aligned, then the section headers."""
        if len(sections) >= SHN_LORESERVE:
            raise SplitError(f'{len(sections)} sections: more than an ELF section index holds')
        body = bytearray(EHDR.size)
        offsets = []
        for s in sections:
            if s.type == SHT_NOBITS or not s.data:
                offsets.append(len(body) if s.type != SHT_NOBITS else 0)
                continue
            body.extend(b'\0' * (-len(body) % max(s.align, 1)))
            offsets.append(len(body))
            body.extend(s.data)
        body.extend(b'\0' * (-len(body) % 8))
        shoff = len(body)
        for s, offset in zip(sections, offsets):
            size = s.size if s.type == SHT_NOBITS else len(s.data)
            body.extend(SHDR.pack(s.name_offset, s.type, s.flags, s.addr, offset, size, s.link, s.info,
                                  s.align, s.entsize))
        fields = list(self.header)
        fields[6] = shoff
        fields[12] = len(sections)
        EHDR.pack_into(body, 0, *fields)
        with open(path, 'wb') as f:
            f.write(body)


def function_starts(obj, text_index):
    """Where functions start (function symbols and FDEs) and the ranges that are one function."""
    text_size = len(obj.sections[text_index].data)
    functions = [(s[4], s[5]) for s in obj.symbols if s[3] == text_index and s[1] & 0xF == STT_FUNC]
    eh_index = obj.index('.eh_frame')
    eh_relocations = obj.relocations_of(eh_index) if eh_index is not None else None
    if eh_relocations is not None:
        for offset, info, addend in relocations(obj.sections[eh_relocations]):
            sym = obj.symbols[info >> 32]
            if sym[3] == text_index:
                length = struct.unpack_from('<I', obj.sections[eh_index].data, offset + 4)[0]
                functions.append((sym[4] + addend, length))
    starts = sorted({0} | {begin for begin, _ in functions if begin < text_size})
    return starts, functions


def scan(md, text, starts, relocated):
    """Every PC-relative field the assembler resolved, as (offset, size, target, end of its
    instruction), and the starts that the code before them can run into."""
    references, runs_on = [], []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(text)
        last = None
        for ins in decode(md, text, start, end):
            if ins.mnemonic.split()[-1] not in ('nop', 'int3') or last is None:
                last = ins
            field = pc_relative_field(ins)
            if field is None or field[0] in relocated:
                continue
            offset, size, target = field
            if not 0 <= target < len(text):
                raise SplitError(f'.text+{ins.address:#x}: {ins.mnemonic} {ins.op_str} '
                                 'leaves the section without a relocation')
            references.append((offset, size, target, ins.address + ins.size))
        if end < len(text) and last.mnemonic.split()[-1] not in NO_FALL_THROUGH:
            runs_on.append(end)
    return references, runs_on


def piece_of(offset, bounds):
    return bisect.bisect_right(bounds, offset) - 1


def piece_bounds(starts, ranges, runs_on, references):
    """The starts that remain once what must stay together is joined: code that runs on, a
    function's range, and the two ends of a one-byte branch."""
    joined = set(runs_on)
    for begin, length in ranges:
        k = bisect.bisect_right(starts, begin)
        while k < len(starts) and starts[k] < begin + length:
            joined.add(starts[k])
            k += 1
    bounds = [s for s in starts if s not in joined]
    for offset, size, target, _ in references:
        if size == 1:
            a, b = sorted((piece_of(offset, bounds), piece_of(target, bounds)))
            if a != b:
                joined.update(bounds[a + 1:b + 1])
                bounds = [s for s in starts if s not in joined]
    return bounds


def jump_table_blocks(obj, text_index, text_relocations, text_section_symbols, function_at):
    """(data section, entry offset) -> the block a jump-table entry jumps to.

    An entry `.long .LBB - .LJTI` is a PC32 against the .text section symbol whose S + A is
    the block plus the entry's distance from the table's start, so near the end of a function
    S + A can fall in the next one. A table starts where a function of .text loads data with
    a RIP-relative lea, and runs on, entry by entry, as long as each entry gives a block
    inside that function.
    """
    text_size = len(obj.sections[text_index].data)
    loaders = {}
    if text_relocations is not None:
        for offset, info, addend in relocations(obj.sections[text_relocations]):
            sym = obj.symbols[info >> 32]
            if info & 0xFFFFFFFF == R_X86_64_PC32 and 0 < sym[3] < len(obj.sections) \
                    and not obj.sections[sym[3]].flags & SHF_EXECINSTR:
                loaders.setdefault(sym[3], {})[sym[4] + addend + 4] = function_at(offset)
    blocks = {}
    for s in obj.sections:
        if s.type != SHT_RELA or s.info not in loaders:
            continue
        entries = {offset: addend for offset, info, addend in relocations(s)
                   if info >> 32 in text_section_symbols and info & 0xFFFFFFFF == R_X86_64_PC32}
        for table, loader in loaders[s.info].items():
            entry = table
            while entry in entries and 0 <= entries[entry] - (entry - table) < text_size \
                    and function_at(entries[entry] - (entry - table)) is loader:
                blocks[(s.info, entry)] = entries[entry] - (entry - table)
                entry += 4
    return blocks


def split(in_path, out_path):
    obj = ObjectFile(in_path)
    sections, symbols = obj.sections, obj.symbols
    text_index = obj.index('.text')
    if text_index is None:
        raise SplitError(f'{in_path}: no .text section')
    text = sections[text_index].data
    text_relocations = obj.relocations_of(text_index)
    text_section_symbols = {i for i, s in enumerate(symbols)
                            if s[3] == text_index and s[1] & 0xF == STT_SECTION}
    if not text_section_symbols:
        raise SplitError(f'{in_path}: .text has no section symbol')

    md = Cs(CS_ARCH_X86, CS_MODE_64)
    md.detail = True
    starts, ranges = function_starts(obj, text_index)
    relocated = set()
    if text_relocations is not None:
        relocated = {r[0] for r in relocations(sections[text_relocations])}
    references, runs_on = scan(md, text, starts, relocated)
    bounds = piece_bounds(starts, ranges, runs_on, references)
    functions = [Function(s, bounds[n + 1] if n + 1 < len(bounds) else len(text))
                 for n, s in enumerate(bounds)]

    def function_at(offset):
        return functions[piece_of(offset, bounds)]

    # Output indices: function 0 stays .text (section text_index, section symbol unchanged);
    # the others are appended, each with a new section symbol after the last local one.
    first_global = obj.first_global
    functions[0].section, functions[0].symbol = text_index, min(text_section_symbols)
    for n, fn in enumerate(functions[1:]):
        fn.section = len(sections) + n
        fn.symbol = first_global + n
    shift = len(functions) - 1

    def renumber(index):
        return index + shift if index >= first_global else index

    # Relocations of .text itself move to the function they lie in.
    if text_relocations is not None:
        for offset, info, addend in relocations(sections[text_relocations]):
            sym, rtype = info >> 32, info & 0xFFFFFFFF
            if sym in text_section_symbols:
                raise SplitError(f'.text+{offset:#x}: a relocation of .text against .text itself')
            fn = function_at(offset)
            fn.relocations.append([offset - fn.start, renumber(sym), rtype, addend])

    # References the assembler resolved become relocations.
    added = 0
    for offset, size, target, end in references:
        fn, to = function_at(offset), function_at(target)
        if fn is to:
            continue
        if size != 4:
            raise SplitError(f'.text+{offset:#x}: a one-byte branch between two pieces')
        addend = (target - to.start) - (end - offset)
        if to.start + addend - offset != struct.unpack_from('<i', text, offset)[0]:
            raise SplitError(f'.text+{offset:#x}: the relocation made does not give the original field')
        fn.relocations.append([offset - fn.start, to.symbol, R_X86_64_PC32, addend])
        added += 1

    # Relocations elsewhere against the .text section symbol move to the function they
    # point into; the others only follow the symbols' new numbers.
    table_blocks = jump_table_blocks(obj, text_index, text_relocations, text_section_symbols, function_at)
    table_moves = 0

    def intended_target(section_index, offset, rtype, addend, code):
        nonlocal table_moves
        if code is not None:
            # From code: the field is PC-relative to the end of its instruction.
            if rtype == R_X86_64_PLT32:
                return addend + 4
            for ins in code:
                if ins.address <= offset < ins.address + ins.size:
                    return addend + (ins.address + ins.size - offset)
            raise SplitError(f'{sections[section_index].name}+{offset:#x}: no instruction holds this relocation')
        block = table_blocks.get((section_index, offset))
        if block is None or function_at(block) is function_at(addend):
            return addend
        table_moves += 1
        return block

    moved = 0
    for i, s in enumerate(sections):
        if s.type != SHT_RELA or i == text_relocations:
            continue
        rows = relocations(s)
        code = None
        for row in rows:
            offset, info, addend = row
            sym, rtype = info >> 32, info & 0xFFFFFFFF
            if sym in text_section_symbols:
                if code is None and sections[s.info].flags & SHF_EXECINSTR:
                    code = list(decode(md, sections[s.info].data, 0, len(sections[s.info].data)))
                to = function_at(intended_target(s.info, offset, rtype, addend, code))
                row[1] = (to.symbol << 32) | rtype
                row[2] = addend - to.start
                moved += 1
            else:
                row[1] = (renumber(sym) << 32) | rtype
        s.data = b''.join(RELA.pack(*r) for r in rows)

    # Symbols in .text move to their function's section; section symbols are added.
    for sym in symbols:
        if sym[3] == text_index and sym[1] & 0xF == STT_FUNC:
            fn = function_at(sym[4])
            sym[3] = fn.section
            sym[4] -= fn.start
    for fn in functions[1:]:
        symbols.insert(fn.symbol, [0, (STB_LOCAL << 4) | STT_SECTION, 0, fn.section, 0, 0])
    symtab = sections[obj.symtab_index]
    symtab.data = b''.join(SYM.pack(*s) for s in symbols)
    symtab.info = first_global + shift

    # The new sections, each named after its first symbol, as -function-sections does.
    names = bytearray(obj.strtab.data)

    def add_name(name):
        offset = len(names)
        names.extend(name.encode() + b'\0')
        return offset

    def relocation_rows(fn):
        return b''.join(RELA.pack(r[0], (r[1] << 32) | r[2], r[3]) for r in sorted(fn.relocations))

    first_symbol = {}
    for sym in symbols:
        if sym[1] & 0xF == STT_FUNC and sym[4] == 0 and sym[3] >= len(sections):
            first_symbol.setdefault(sym[3], obj.symbol_name(sym))
    sections[text_index].data = text[:functions[0].end]
    if text_relocations is not None:
        sections[text_relocations].data = relocation_rows(functions[0])
    code_sections, relocation_sections = [], []
    for fn in functions[1:]:
        # A function without a symbol is named as the compiler names its own unnamed ones
        # (".text..L..."), which scripts/text-layout.ld gathers: no ordering list can name it.
        name = '.text.' + first_symbol.get(fn.section, f'.Lunnamed.{fn.start:x}')
        code_sections.append(Section((add_name(name), 1, SHF_ALLOC | SHF_EXECINSTR, 0, 0, fn.end - fn.start,
                                      0, 0, min(16, fn.start & -fn.start), 0), text[fn.start:fn.end], name))
        if fn.relocations:
            rows = relocation_rows(fn)
            relocation_sections.append(Section((add_name('.rela' + name), SHT_RELA, SHF_INFO_LINK, 0, 0,
                                                len(rows), obj.symtab_index, fn.section, 8, RELA.size), rows, ''))
    obj.strtab.data = bytes(names)
    obj.write(out_path, sections + code_sections + relocation_sections)
    print(f'split-text-sections: {in_path}: .text ({len(text)} bytes) '
          f'into {len(functions)} sections ({len(starts) - len(functions)} functions kept with a '
          f'neighbour); {added} references made relocations, {moved} relocations moved '
          f'({table_moves} of {len(table_blocks)} jump table entries)', file=sys.stderr)


def main():
    if len(sys.argv) != 3:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    try:
        split(sys.argv[1], sys.argv[2])
    except SplitError as e:
        print(f'split-text-sections: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The main process of a warm container: a static ELF of a few hundred bytes that berth writes to
 * its cache and bind-mounts read-only into the container, so any image can be kept warm, shells
 * or not (FROM scratch included). It runs under the engine's init (HostConfig.Init), which reaps
 * the children that the tools exec'd into the container leave behind and forwards signals to it.
 *
 * What it does, as `pause SECONDS` (600 when no argument):
 *
 *     block SIGWINCH
 *     while rt_sigtimedwait({SIGWINCH}, NULL, {SECONDS, 0}) != -EAGAIN: ;   // each SIGWINCH restarts the wait
 *     exit_group(0)
 *
 * So it exits after SECONDS without a SIGWINCH: berth sends one (`POST /containers/ID/kill?signal=
 * SIGWINCH`, which the init forwards) when a call starts, every third of the idle time while it
 * runs, and when it ends. The init then exits, the container stops and AutoRemove removes it: the
 * idle stop needs no berth daemon. SIGWINCH, because its default action is to be ignored: one
 * that arrives before the program has blocked it does no harm. SIGTERM (docker stop) ends it.
 *
 * The machine code was assembled from the sources below (GNU as / llvm-mc) and is checked by the
 * tests running it; the ELF around it is one PT_LOAD segment mapping the whole file.
 */

/*
 * x86_64 (intel syntax):
 *   _start: mov rcx,[rsp]; mov ebx,600; cmp rcx,2; jb parsed; mov rsi,[rsp+16]; xor ebx,ebx
 *   next:   movzx eax,byte [rsi]; sub eax,'0'; cmp eax,9; ja parsed; imul rbx,rbx,10; add rbx,rax; inc rsi; jmp next
 *   parsed: push 0; push rbx; mov r13,rsp            ; timespec {rbx, 0}
 *           push 0x8000000; mov r12,rsp               ; sigset {SIGWINCH}
 *           xor edi,edi; mov rsi,r12; xor edx,edx; mov r10d,8; mov eax,14; syscall   ; rt_sigprocmask(SIG_BLOCK)
 *   wait:   mov rdi,r12; xor esi,esi; mov rdx,r13; mov r10d,8; mov eax,128; syscall  ; rt_sigtimedwait
 *           cmp rax,-11; jne wait                     ; -EAGAIN: timed out
 *           xor edi,edi; mov eax,231; syscall         ; exit_group(0)
 */
const X86_64 =
  '488b0c24bb580200004883f902721e488b74241031db0fb60683e83083f809770c486bdb0a4801c348ffc6ebe9' +
  '6a00534989e568000000084989e431ff4c89e631d241ba08000000b80e0000000f05' +
  '4c89e731f64c89ea41ba08000000b8800000000f054883f8f575e531ffb8e70000000f05';

/*
 * aarch64:
 *   _start: ldr x1,[sp]; mov x19,#600; cmp x1,#2; b.lo parsed; ldr x2,[sp,#16]; mov x19,#0; mov x4,#10
 *   next:   ldrb w3,[x2],#1; sub w3,w3,#'0'; cmp w3,#9; b.hi parsed; madd x19,x19,x4,x3; b next
 *   parsed: sub sp,sp,#32; str x19,[sp]; str xzr,[sp,#8]; mov x5,#0x8000000; str x5,[sp,#16]
 *           mov x0,#0; add x1,sp,#16; mov x2,#0; mov x3,#8; mov x8,#135; svc #0        ; rt_sigprocmask
 *   wait:   add x0,sp,#16; mov x1,#0; mov x2,sp; mov x3,#8; mov x8,#137; svc #0         ; rt_sigtimedwait
 *           cmn x0,#11; b.ne wait; mov x0,#0; mov x8,#94; svc #0                       ; exit_group(0)
 */
const AARCH64 =
  'e10340f9134b80d23f0800f143010054e20b40f9130080d2440180d2' +
  '4314403863c000517f24007168000054730e049bfbffff17' +
  'ff8300d1f30300f9ff0700f90500a1d2e50b00f9000080d2e1430091020080d2030180d2e81080d2010000d4' +
  'e0430091010080d2e2030091030180d2281180d2010000d41f2c00b121ffff54000080d2c80b80d2010000d4';

const MACHINES: Record<string, { machine: number; code: string }> = {
  amd64: { machine: 62, code: X86_64 },
  arm64: { machine: 183, code: AARCH64 },
};

/** Normalizes what engines and Node call an architecture to GOARCH. */
export function goArch(arch: string): string {
  const a = arch.toLowerCase();
  if (a === 'x86_64' || a === 'x64' || a === 'amd64') return 'amd64';
  if (a === 'aarch64' || a === 'arm64' || a === 'arm64/v8') return 'arm64';
  return a;
}

/** A static ELF64 little-endian executable running `code`, or undefined for another architecture. */
export function pauseProgram(arch: string): Buffer | undefined {
  const spec = MACHINES[goArch(arch)];
  if (!spec) return undefined;
  const code = Buffer.from(spec.code, 'hex');
  const base = 0x400000n;
  const headerSize = 64;
  const phSize = 56;
  const codeOffset = headerSize + phSize;
  const total = codeOffset + code.length;
  const elf = Buffer.alloc(total);
  // e_ident: magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  elf.writeUInt16LE(2, 16); // e_type: ET_EXEC
  elf.writeUInt16LE(spec.machine, 18);
  elf.writeUInt32LE(1, 20); // e_version
  elf.writeBigUInt64LE(base + BigInt(codeOffset), 24); // e_entry
  elf.writeBigUInt64LE(BigInt(headerSize), 32); // e_phoff
  elf.writeBigUInt64LE(0n, 40); // e_shoff
  elf.writeUInt32LE(0, 48); // e_flags
  elf.writeUInt16LE(headerSize, 52); // e_ehsize
  elf.writeUInt16LE(phSize, 54); // e_phentsize
  elf.writeUInt16LE(1, 56); // e_phnum
  // e_shentsize, e_shnum, e_shstrndx: 0
  const ph = headerSize;
  elf.writeUInt32LE(1, ph); // p_type: PT_LOAD
  elf.writeUInt32LE(5, ph + 4); // p_flags: R+X
  elf.writeBigUInt64LE(0n, ph + 8); // p_offset
  elf.writeBigUInt64LE(base, ph + 16); // p_vaddr
  elf.writeBigUInt64LE(base, ph + 24); // p_paddr
  elf.writeBigUInt64LE(BigInt(total), ph + 32); // p_filesz
  elf.writeBigUInt64LE(BigInt(total), ph + 40); // p_memsz
  elf.writeBigUInt64LE(0x1000n, ph + 48); // p_align
  code.copy(elf, codeOffset);
  return elf;
}

/**
 * Writes the pause program for `arch` into `dir` (once; mode 0755, readable by every uid the
 * tools run as) and returns its path, or undefined when berth has none for that architecture.
 */
export function pauseFile(dir: string, arch: string): string | undefined {
  const program = pauseProgram(arch);
  if (!program) return undefined;
  const file = path.join(dir, `pause-v1-${goArch(arch)}`);
  let current: Buffer | undefined;
  try {
    current = readFileSync(file);
  } catch {
    // not written yet
  }
  if (!current?.equals(program)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, program);
    chmodSync(temp, 0o755); // whatever the umask
    renameSync(temp, file);
  }
  return file;
}

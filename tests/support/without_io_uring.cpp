// `without_io_uring ERRNO PROGRAM ARGS...`: runs PROGRAM with io_uring_setup()
// failing with ERRNO (EPERM or ENOSYS), the way a container's seccomp profile
// (Docker's default refuses io_uring with EPERM) or a kernel without io_uring
// (ENOSYS) makes it fail. For the test that io-uring then exits 1 and says why.

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: without_io_uring EPERM|ENOSYS PROGRAM [ARGS...]\n", stderr);
    return 2;
  }
  const unsigned error = std::strcmp(argv[1], "ENOSYS") == 0 ? ENOSYS : EPERM;
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    std::perror("without_io_uring: seccomp");
    return 2;
  }
  ::execv(argv[2], argv + 2);
  std::perror("without_io_uring: execv");
  return 2;
}

// A stand-in "server" with a known cost, for the harness accounting tests.
//
// `cpu_burner many`: 50 children each burn 4 ms of CPU (less than one clock
// tick) and stay alive until SIGTERM: 200 ms in all, which per-process
// rounding to whole ticks would all but lose.
//
// `cpu_burner`:
// it touches 64 MiB, then forks child A (burns 300 ms of CPU and exits; the
// parent reaps it) and child B (burns 300 ms and stays alive, sharing the
// 64 MiB copy-on-write), burns 200 ms itself, prints the ready line and waits
// for SIGTERM. The whole group has then used 800 ms of CPU, and its PSS is
// about 64 MiB, though its RSS adds up to about 128.

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

void burn_cpu_ms(long ms) {
  timespec start{}, now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
  do {
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1'000'000 < ms);
}

}  // namespace

int many_small_children(const sigset_t& term) {
  std::vector<pid_t> children;
  for (int i = 0; i < 50; ++i) {
    const pid_t child = ::fork();
    if (child == 0) {
      burn_cpu_ms(4);
      int signal_number;
      ::sigwait(&term, &signal_number);
      ::_exit(0);
    }
    children.push_back(child);
  }
  ::usleep(500'000);  // every child has burnt its 4 ms
  std::printf("listening on 127.0.0.1:1\n");
  std::fflush(stdout);
  int signal_number;
  ::sigwait(&term, &signal_number);
  for (const pid_t child : children) ::kill(child, SIGTERM);
  for (const pid_t child : children) ::waitpid(child, nullptr, 0);
  return 0;
}

int main(int argc, char** argv) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
  if (argc > 1 && std::string(argv[1]) == "many") return many_small_children(term);

  std::vector<char> memory(64 << 20);
  for (std::size_t i = 0; i < memory.size(); i += 4096) memory[i] = 1;

  const pid_t a = ::fork();
  if (a == 0) {
    burn_cpu_ms(300);
    ::_exit(0);
  }
  const pid_t b = ::fork();
  if (b == 0) {
    burn_cpu_ms(300);
    int signal_number;
    ::sigwait(&term, &signal_number);
    ::_exit(0);
  }
  ::waitpid(a, nullptr, 0);
  burn_cpu_ms(200);
  // Let B finish burning before announcing readiness.
  ::usleep(400'000);
  std::printf("listening on 127.0.0.1:1\n");
  std::fflush(stdout);

  int signal_number;
  ::sigwait(&term, &signal_number);
  ::kill(b, SIGTERM);
  ::waitpid(b, nullptr, 0);
  return memory[4096] == 1 ? 0 : 1;  // also keeps the memory alive until here
}

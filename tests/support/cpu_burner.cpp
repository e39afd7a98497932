// A stand-in "server" with a known cost, for the harness accounting tests.
// It measures that cost itself: each process reads its own CPU clock once it
// has done its work, children send theirs to the parent through a pipe, and
// the parent adds getrusage(RUSAGE_CHILDREN) for the child it reaped. The
// total goes to standard error as "own_cpu_s SECONDS" just before the ready
// line; after that every process only waits for SIGTERM, so what the harness
// samples later must match it. A slow machine (expensive forks and page
// faults) moves both figures together.
//
// `cpu_burner many`: 50 children each burn 4 ms of CPU (less than one clock
// tick) and stay alive until SIGTERM, which per-process rounding to whole
// ticks would all but lose.
//
// `cpu_burner threads`: 4 threads each burn 100 ms and exit (joined) and a
// fifth stays alive after burning 100 ms; time of threads that exited is
// what per-thread readings of /proc lose.
//
// `cpu_burner`: it touches 64 MiB, then forks child A (burns 300 ms of CPU
// and exits; the parent reaps it) and child B (burns 300 ms and stays alive,
// sharing the 64 MiB copy-on-write), burns 200 ms itself, prints the ready
// line and waits for SIGTERM. Its PSS is about 64 MiB, though its RSS adds up
// to about 128.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace {

double own_cpu_s() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

void burn_cpu_ms(long ms) {
  const double until = own_cpu_s() + static_cast<double>(ms) / 1000;
  while (own_cpu_s() < until) {
  }
}

// A child's last words before it waits: its own CPU time, to the parent.
void report_to(int pipe_fd) {
  const double spent = own_cpu_s();
  if (::write(pipe_fd, &spent, sizeof spent) != sizeof spent) ::_exit(3);
}

double read_report(int pipe_fd) {
  double spent = 0;
  if (::read(pipe_fd, &spent, sizeof spent) != sizeof spent) return -1e9;  // fails the test
  return spent;
}

double reaped_children_cpu_s() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void announce(double group_cpu_s) {
  std::fprintf(stderr, "own_cpu_s %.6f\n", group_cpu_s + own_cpu_s());
  std::fflush(stderr);
  std::printf("listening on 127.0.0.1:1\n");
  std::fflush(stdout);
}

int many_small_children(const sigset_t& term, int pipe_fds[2]) {
  std::vector<pid_t> children;
  for (int i = 0; i < 50; ++i) {
    const pid_t child = ::fork();
    if (child == 0) {
      burn_cpu_ms(4);
      report_to(pipe_fds[1]);
      int signal_number;
      ::sigwait(&term, &signal_number);
      ::_exit(0);
    }
    children.push_back(child);
  }
  double children_cpu_s = 0;
  for (int i = 0; i < 50; ++i) children_cpu_s += read_report(pipe_fds[0]);
  announce(children_cpu_s);
  int signal_number;
  ::sigwait(&term, &signal_number);
  for (const pid_t child : children) ::kill(child, SIGTERM);
  for (const pid_t child : children) ::waitpid(child, nullptr, 0);
  return 0;
}

double thread_cpu_s() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

int threads_that_exit(const sigset_t& term) {  // SIGTERM stays blocked in every thread
  const auto burn_100_ms = [] {
    const double until = thread_cpu_s() + 0.1;
    while (thread_cpu_s() < until) {
    }
  };
  std::vector<std::thread> finished;
  finished.reserve(4);
  for (int i = 0; i < 4; ++i) finished.emplace_back(burn_100_ms);
  for (std::thread& thread : finished) thread.join();
  int burnt[2], release[2];  // pipes: "done burning", then "stop"
  if (::pipe(burnt) != 0 || ::pipe(release) != 0) return 2;
  std::thread staying([&] {
    burn_100_ms();
    char byte = 1;
    if (::write(burnt[1], &byte, 1) != 1 || ::read(release[0], &byte, 1) != 1) ::_exit(3);
  });
  char byte = 0;
  if (::read(burnt[0], &byte, 1) != 1) return 2;
  announce(0);  // the process clock holds every thread, those that exited too
  int signal_number;
  ::sigwait(&term, &signal_number);
  if (::write(release[1], &byte, 1) != 1) return 2;
  staying.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return 2;
  if (argc > 1 && std::string(argv[1]) == "many") return many_small_children(term, pipe_fds);
  if (argc > 1 && std::string(argv[1]) == "threads") return threads_that_exit(term);

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
    report_to(pipe_fds[1]);
    int signal_number;
    ::sigwait(&term, &signal_number);
    ::_exit(0);
  }
  ::waitpid(a, nullptr, 0);
  burn_cpu_ms(200);
  const double b_cpu_s = read_report(pipe_fds[0]);  // B has finished burning
  announce(b_cpu_s + reaped_children_cpu_s());

  int signal_number;
  ::sigwait(&term, &signal_number);
  ::kill(b, SIGTERM);
  ::waitpid(b, nullptr, 0);
  return memory[4096] == 1 ? 0 : 1;  // also keeps the memory alive until here
}

#pragma once
/// Errors of the engine, each with its exit code (README: 2 bad input, 3 system or internal):
///  - InputError: the user's input is wrong (a missing file, a bad key, a wrong dimension).
///    Raised with IRREV_CHECK; the message names the file, line or key. Exit 2.
///  - SystemError: the system refused (a full disk, a read-only folder, an MPI, HDF5 or CUDA
///    call that failed). Raised with IRREV_SYSTEM_CHECK; the message names the call, the path
///    and the system's reason. Exit 3.
///  - InternalError: an invariant of the engine broke. Raised with IRREV_ASSERT. Exit 3.
/// Every message carries the source location and the MPI rank that raised it, so that the
/// top-level handler of any rank can abort the whole job with a message that says where.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace irrev {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public Error {
 public:
  using Error::Error;
};

class SystemError : public Error {
 public:
  using Error::Error;
};

class InternalError : public Error {
 public:
  using Error::Error;
};

/// Not a failure: the run stopped at a safe point with what it finished saved (SIGTERM or
/// SIGUSR1, as SLURM sends before a time limit), and the same command continues. Every rank
/// throws it together (the decision is agreed), so the job ends without an abort. Exit 75.
class Stopped : public Error {
 public:
  using Error::Error;
};

/// Rank 0 only: ranks stopped answering and were given up on after what finished was saved;
/// they cannot take part in anything after, so the job is ended through MPI (exit 75: the same
/// command continues).
class RanksStalled : public Error {
 public:
  using Error::Error;
};

/// Exit codes of `irrev` (README "Exit codes").
enum ExitCode : int {
  kExitDone = 0,
  kExitBadInput = 2,
  kExitSystem = 3,
  /// Stopped by a signal with its state saved: the same command continues (EX_TEMPFAIL).
  kExitResumable = 75,
};

/// The reason the system gave for the last failed call (errno), e.g. "No space left on device".
std::string errno_text(int err);

/// The rank that errors and log lines name; set once by dist::Communicator (-1: not under MPI).
void set_error_rank(int rank);
int error_rank();

namespace detail {
[[noreturn]] void throw_input_error(const char* file, int line, const std::string& message);
[[noreturn]] void throw_system_error(const char* file, int line, const std::string& message);
[[noreturn]] void throw_internal_error(const char* file, int line, const char* condition, const std::string& message);
}  // namespace detail

}  // namespace irrev

/// Check user input: throws irrev::InputError with a fmt-formatted message.
#define IRREV_CHECK(cond, ...)                                                                       \
  do {                                                                                               \
    if (!(cond)) ::irrev::detail::throw_input_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
  } while (0)

/// Fail on user input unconditionally.
#define IRREV_FAIL(...) ::irrev::detail::throw_input_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__))

/// Check what the system did (a write, a close, a rename): throws irrev::SystemError.
#define IRREV_SYSTEM_CHECK(cond, ...)                                                                 \
  do {                                                                                                \
    if (!(cond)) ::irrev::detail::throw_system_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
  } while (0)

/// Check an internal invariant: throws irrev::InternalError.
#define IRREV_ASSERT(cond, ...)                                                                                \
  do {                                                                                                         \
    if (!(cond)) ::irrev::detail::throw_internal_error(__FILE__, __LINE__, #cond, ::fmt::format(__VA_ARGS__)); \
  } while (0)

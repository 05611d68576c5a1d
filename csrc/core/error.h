// Error types of the core. Each maps to one Python exception in the bindings.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace st {

struct Error : std::runtime_error {            // -> RuntimeError
  using std::runtime_error::runtime_error;
};
struct IndexError : Error { using Error::Error; };          // -> IndexError
struct TypeError : Error { using Error::Error; };           // -> TypeError
struct ValueError : Error { using Error::Error; };          // -> ValueError
struct NotImplementedError : Error { using Error::Error; }; // -> NotImplementedError
struct LinAlgError : Error { using Error::Error; };         // -> smalltorch.linalg.LinAlgError (a RuntimeError)

namespace detail {
inline void cat(std::ostringstream&) {}
template <typename T, typename... R>
void cat(std::ostringstream& os, const T& v, const R&... r) { os << v; cat(os, r...); }
}  // namespace detail

template <typename... A>
std::string str(const A&... a) {
  std::ostringstream os;
  detail::cat(os, a...);
  return os.str();
}

// Warnings go through one handler: the bindings install one that raises Python's UserWarning
// (which may throw, when warnings are errors); without a handler the text goes to stderr.
using WarningHandler = void (*)(const std::string& message);
void set_warning_handler(WarningHandler handler);
void warn(const std::string& message);

}  // namespace st

// ST_CHECK(cond, ErrorType, message parts...)
#define ST_CHECK_T(cond, Type, ...) \
  do { if (!(cond)) throw ::st::Type(::st::str(__VA_ARGS__)); } while (0)
#define ST_CHECK(cond, ...) ST_CHECK_T(cond, Error, __VA_ARGS__)

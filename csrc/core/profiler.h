// The op profiler behind smalltorch.profiler.profile(): while it is on, every
// op called from Python (the bindings open a Scope), every backward node the
// engine runs and every user range (record_function) becomes an Event with its
// name, thread, start and duration, the bytes it left allocated and (with
// record_shapes) its input shapes. Off, a Scope costs one relaxed atomic load.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>
#include "shape.h"

namespace st::profiler {

enum class Kind : uint8_t { Op, Backward, User };

struct Event {
  std::string name;
  Kind kind = Kind::Op;
  uint64_t thread = 0;
  int64_t start_ns = 0, duration_ns = 0;  // start relative to when profiling began
  int64_t bytes = 0;                       // allocated minus freed inside the event (caching allocator)
  std::vector<DimVector> shapes;           // input shapes (record_shapes)
};

namespace detail {
extern std::atomic<bool> g_on;
extern bool g_record_shapes;
}  // namespace detail

inline bool enabled() { return detail::g_on.load(std::memory_order_relaxed); }
inline bool recording_shapes() { return detail::g_record_shapes; }

// Starts recording (clearing earlier events); stop() ends it and returns the events.
void start(bool record_shapes);
std::vector<Event> stop();

// Records one event from construction to destruction (when the profiler is on).
class Scope {
 public:
  Scope(const char* name, Kind kind) {
    if (enabled()) begin(name, kind);
  }
  Scope(const std::string& name, Kind kind) {
    if (enabled()) begin(name, kind);
  }
  ~Scope() {
    if (active_) end();
  }
  bool active() const { return active_; }
  void add_shape(const DimVector& s) { shapes_.push_back(s); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  void begin(std::string name, Kind kind);
  void end();
  bool active_ = false;
  Kind kind_ = Kind::Op;
  std::string name_;
  int64_t start_ = 0, bytes_ = 0;
  std::vector<DimVector> shapes_;
};

// Ranges opened from Python: push opens one on this thread (a record_function
// range, or an op the Python layer defines), pop closes the latest.
void push_range(const std::string& name, Kind kind = Kind::User);
void pop_range();

}  // namespace st::profiler

#include "profiler.h"
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include "storage.h"

namespace st::profiler {

namespace detail {
std::atomic<bool> g_on{false};
bool g_record_shapes = false;
}  // namespace detail

namespace {

std::mutex g_mu;
std::vector<Event> g_events;
std::chrono::steady_clock::time_point g_t0;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - g_t0).count();
}
uint64_t thread_id() { return std::hash<std::thread::id>()(std::this_thread::get_id()); }
// bytes in live allocations: an event's memory is what it left allocated (PyTorch's "CPU Mem")
int64_t allocated_total() { return static_cast<int64_t>(allocator_stats().requested); }

thread_local std::vector<Scope*> t_ranges;  // open record_function ranges

}  // namespace

void start(bool record_shapes) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_events.clear();
  g_t0 = std::chrono::steady_clock::now();
  detail::g_record_shapes = record_shapes;
  detail::g_on.store(true);
}

std::vector<Event> stop() {
  detail::g_on.store(false);
  std::lock_guard<std::mutex> lock(g_mu);
  std::vector<Event> out;
  out.swap(g_events);
  return out;
}

void Scope::begin(std::string name, Kind kind) {
  active_ = true;
  kind_ = kind;
  name_ = std::move(name);
  bytes_ = allocated_total();
  start_ = now_ns();
}

void Scope::end() {
  const int64_t stop_ns = now_ns();
  Event e;
  e.name = std::move(name_);
  e.kind = kind_;
  e.thread = thread_id();
  e.start_ns = start_;
  e.duration_ns = stop_ns - start_;
  e.bytes = allocated_total() - bytes_;
  e.shapes = std::move(shapes_);
  std::lock_guard<std::mutex> lock(g_mu);
  if (detail::g_on.load()) g_events.push_back(std::move(e));  // dropped if profiling stopped meanwhile
}

void push_range(const std::string& name, Kind kind) { t_ranges.push_back(new Scope(name, kind)); }

void pop_range() {
  if (t_ranges.empty()) return;
  delete t_ranges.back();
  t_ranges.pop_back();
}

}  // namespace st::profiler

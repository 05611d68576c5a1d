// Where a tensor's memory lives. Only the CPU is built; the field exists so a
// second backend can slot in without changing TensorImpl.
#pragma once
#include <cstdint>
#include <string>

namespace st {

enum class DeviceType : int8_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int16_t index = -1;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string type_name() const { return type == DeviceType::CPU ? "cpu" : "cuda"; }
};

// Parses "cpu", "cpu:0", "cuda", "cuda:1"; throws on anything else.
Device parse_device(const std::string& s);
// Throws a RuntimeError for devices this build cannot allocate on.
void check_device_available(const Device& d);

}  // namespace st

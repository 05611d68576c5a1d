#include "device.h"
#include "error.h"

namespace st {

Device parse_device(const std::string& s) {
  Device d;
  std::string type = s, idx;
  auto colon = s.find(':');
  if (colon != std::string::npos) { type = s.substr(0, colon); idx = s.substr(colon + 1); }
  if (type == "cpu") d.type = DeviceType::CPU;
  else if (type == "cuda") d.type = DeviceType::CUDA;
  else throw Error(str("Expected one of cpu, cuda device type at start of device string: ", s));
  if (colon != std::string::npos) {
    ST_CHECK(!idx.empty() && idx.size() <= 5 && idx.find_first_not_of("0123456789") == std::string::npos,
             "Invalid device string: '", s, "'");
    int v = std::stoi(idx);  // at most 5 digits: cannot overflow
    ST_CHECK(v <= 32767, "Device index must be at most 32767, got ", v, " in '", s, "'");
    d.index = static_cast<int16_t>(v);
  }
  return d;
}

void check_device_available(const Device& d) {
  ST_CHECK(d.type == DeviceType::CPU,
           "smalltorch was built without CUDA support: device '", d.type_name(),
           "' is not available (only 'cpu' is)");
}

}  // namespace st

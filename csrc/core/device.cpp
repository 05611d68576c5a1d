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
    ST_CHECK(!idx.empty() && idx.find_first_not_of("0123456789") == std::string::npos,
             "Invalid device string: '", s, "'");
    d.index = static_cast<int16_t>(std::stoi(idx));
  }
  return d;
}

void check_device_available(const Device& d) {
  ST_CHECK(d.type == DeviceType::CPU,
           "smalltorch was built without CUDA support: device '", d.type_name(),
           "' is not available (only 'cpu' is)");
}

}  // namespace st

#include "actors/client/attr_args.hpp"

namespace pstorage::client {

set_attr_parse parse_set_attr_operands(const std::vector<std::string>& operands) {
  set_attr_parse out;
  if (operands.empty()) {
    out.error = "no path given: pstorage set-attr [-R] PATH replicas=NORM[:MIN] tier=0..3 failure-domain=D";
    return out;
  }
  set_attr_operands v;
  size_t first = 1;
  const std::string& p = operands[0];
  auto eq = p.find('=');
  if (eq != std::string::npos) {
    auto slash = p.rfind('/', eq);
    if (slash == std::string::npos) {
      out.error = "no path given before '" + p + "': pstorage set-attr [-R] PATH " + p;
      return out;
    }
    v.path = slash == 0 ? "/" : p.substr(0, slash);
    v.assignments.push_back(p.substr(slash + 1));
  } else {
    v.path = p;
  }
  for (size_t i = first; i < operands.size(); ++i) v.assignments.push_back(operands[i]);
  if (v.assignments.empty()) {
    out.error = "no attribute given for '" + v.path +
                "': expected replicas=NORM[:MIN], tier=0..3 or failure-domain=disk|host|rack|row|room";
    return out;
  }
  out.value = v;
  return out;
}

}  // namespace pstorage::client

// make-report's pure part (frontends/cli/report_rules.hpp): the archive's
// name, the nodes asked, the local files allowed, the redaction.
#include <doctest/doctest.h>

#include <cstdlib>

#include "frontends/cli/report_rules.hpp"

using namespace pstorage::cli;

TEST_CASE("the default name is the guide's pstorage-report-DATE-TIME.tgz") {
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(default_report_name(1796600405) == "pstorage-report-20261206-234005.tgz");
}

TEST_CASE("every MDS and every CS with an HTTP port is asked, dropped CSs are not") {
  auto stat = nlohmann::json::parse(R"({
    "mds": [{"id": 1, "address": "10.0.0.1:2510", "http_port": 2512},
            {"id": 2, "address": "[fd00::2]:2520", "http_port": 2522},
            {"id": 3, "address": "10.0.0.3:2510", "http_port": 0}],
    "cs":  [{"id": 1025, "address": "10.0.0.5:41000", "http_port": 41234, "status": "active"},
            {"id": 1026, "address": "10.0.0.6:41000", "http_port": 41555, "status": "offline"},
            {"id": 1027, "address": "10.0.0.7:41000", "http_port": 41556, "status": "dropped"}]})");
  auto n = report_nodes(stat);
  REQUIRE(n.size() == 4);
  CHECK(n[0].name == "mds-1");
  CHECK(n[0].host == "10.0.0.1");
  CHECK(n[0].http_port == 2512);
  CHECK(n[1].host == "fd00::2");
  CHECK(n[2].name == "cs-1025");
  CHECK(n[2].http_port == 41234);
  CHECK(n[3].name == "cs-1026");  // offline: asked, may not answer (the report says so)
  CHECK(report_nodes(nlohmann::json::object()).empty());
}

TEST_CASE("the credentials of this host are redacted in every form") {
  const std::string digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const std::string salt = "00112233445566778899aabbccddeeff";
  const std::string key = "pstorage-auth-v1 pcs1 " + salt + " 100000 " + digest + "\n";
  auto forms = secret_forms(key);
  std::string upper = digest;
  for (auto& ch : upper) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  const std::string text = "line " + digest + "\nkey file: " + key + "UPPER " + upper + "\nsalt " + salt + "\n";
  auto out = redact(text, forms);
  CHECK(out.find(digest) == std::string::npos);
  CHECK(out.find(upper) == std::string::npos);
  CHECK(out.find(salt) == std::string::npos);
  CHECK(out.find("pstorage-auth-v1") == std::string::npos);
  CHECK(out.find("[REDACTED]") != std::string::npos);
  CHECK(redact("nothing secret\n", forms) == "nothing secret\n");
  CHECK(secret_forms("").empty());
}

TEST_CASE("PEM private keys and password values are blanked") {
  const std::string pem =
      "before\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBase64Stuff\n-----END EC PRIVATE KEY-----\nafter\n"
      "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";
  auto out = redact(pem, {});
  CHECK(out.find("PRIVATE KEY") == std::string::npos);
  CHECK(out.find("MHcCAQEEIBase64Stuff") == std::string::npos);
  CHECK(out.find("[REDACTED KEY]") != std::string::npos);
  CHECK(out.find("before") != std::string::npos);
  CHECK(out.find("after") != std::string::npos);
  CHECK(out.find("MIIBcert") != std::string::npos);  // a certificate is public
  CHECK(redact("password=hunter2\n", {}) == "password=[REDACTED]\n");
  CHECK(redact("{\"Password\": \"hunter2\"}", {}) == "{\"Password\": \"[REDACTED]");
  CHECK(redact("no secret here", {}) == "no secret here");
}

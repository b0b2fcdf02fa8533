#include <picos/log.hpp>

#include <doctest/doctest.h>

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

TEST_CASE("log lines use pycos's format: date, time with milliseconds, logger name, message") {
  const std::string line = picos::format_log_line("picos", "hello");
  CHECK(std::regex_match(line, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} picos - hello)")));
}

TEST_CASE("log levels keep pycos's numbers and parse from text in any case") {
  CHECK(static_cast<int>(picos::LogLevel::debug) == 10);
  CHECK(static_cast<int>(picos::LogLevel::critical) == 50);
  CHECK(picos::parse_log_level("DEBUG") == picos::LogLevel::debug);
  CHECK(picos::parse_log_level("error") == picos::LogLevel::error);
  CHECK_THROWS_WITH_AS((void)picos::parse_log_level("loud"), doctest::Contains("loud"), std::invalid_argument);
}

TEST_CASE("messages below the threshold are dropped") {
  std::vector<std::string> lines;
  picos::set_log_sink([&](picos::LogLevel, const std::string& line) { lines.push_back(line); });
  const auto saved = picos::log_level();
  picos::set_log_level(picos::LogLevel::error);
  picos::log(picos::LogLevel::warning, "dropped");
  picos::log(picos::LogLevel::error, "kept ", 42);
  picos::set_log_level(saved);
  picos::set_log_sink({});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("kept 42") != std::string::npos);
}

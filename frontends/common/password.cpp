#include "frontends/common/password.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <stdexcept>

#include "persistence/file_util.hpp"

namespace pstorage::frontend {

static std::string strip_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

static std::string read_tty_line(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::string line;
  bool ok = static_cast<bool>(std::getline(std::cin, line));
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  if (!ok) throw std::runtime_error("no password given (end of input)");
  return strip_newline(line);
}

std::string read_password(const std::string& prompt, const std::optional<std::string>& password_file,
                          bool confirm) {
  std::string pw;
  if (password_file) {
    auto content = persistence::read_file(*password_file);
    if (!content) throw std::runtime_error("password file '" + *password_file + "' does not exist");
    pw = strip_newline(content->substr(0, content->find('\n')));
  } else if (isatty(STDIN_FILENO)) {
    pw = read_tty_line(prompt);
    if (confirm && read_tty_line("Verify password: ") != pw) throw std::runtime_error("passwords do not match");
  } else {
    if (!std::getline(std::cin, pw)) throw std::runtime_error("no password on standard input");
    pw = strip_newline(pw);
  }
  if (pw.empty()) throw std::runtime_error("the cluster password must not be empty");
  return pw;
}

}  // namespace pstorage::frontend

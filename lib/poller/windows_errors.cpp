#include "poller/windows_errors.hpp"

#include <winsock2.h>
#include <windows.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace picos::detail {

int errno_from_windows(unsigned long error) noexcept {
  switch (error) {
    case WSAEWOULDBLOCK: return EWOULDBLOCK;
    case WSAEINPROGRESS: return EINPROGRESS;
    case WSAEALREADY: return EALREADY;
    case WSAEINTR: return EINTR;
    case WSAEBADF: case ERROR_INVALID_HANDLE: return EBADF;
    case WSAEACCES: case ERROR_ACCESS_DENIED: return EACCES;
    case WSAEFAULT: return EFAULT;
    case WSAEINVAL: case ERROR_INVALID_PARAMETER: return EINVAL;
    case WSAEMFILE: case ERROR_TOO_MANY_OPEN_FILES: return EMFILE;
    case WSAENOTSOCK: return ENOTSOCK;
    case WSAEMSGSIZE: case ERROR_MORE_DATA: return EMSGSIZE;
    case WSAEPROTOTYPE: return EPROTOTYPE;
    case WSAENOPROTOOPT: return ENOPROTOOPT;
    case WSAEPROTONOSUPPORT: return EPROTONOSUPPORT;
    case WSAEOPNOTSUPP: case ERROR_NOT_SUPPORTED: return EOPNOTSUPP;
    case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
    case WSAEADDRINUSE: case ERROR_ADDRESS_ALREADY_ASSOCIATED: return EADDRINUSE;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAENETDOWN: return ENETDOWN;
    case WSAENETUNREACH: case ERROR_NETWORK_UNREACHABLE: return ENETUNREACH;
    case WSAENETRESET: return ENETRESET;
    case WSAECONNABORTED: case ERROR_CONNECTION_ABORTED: return ECONNABORTED;
    case WSAECONNRESET: case ERROR_NETNAME_DELETED: return ECONNRESET;
    case WSAENOBUFS: case ERROR_NOT_ENOUGH_MEMORY: return ENOBUFS;
    case WSAEISCONN: return EISCONN;
    case WSAENOTCONN: return ENOTCONN;
    case WSAESHUTDOWN: case ERROR_BROKEN_PIPE: case ERROR_NO_DATA: return EPIPE;
    case WSAETIMEDOUT: case ERROR_SEM_TIMEOUT: case WAIT_TIMEOUT: return ETIMEDOUT;
    case WSAECONNREFUSED: case ERROR_CONNECTION_REFUSED: case ERROR_PORT_UNREACHABLE: return ECONNREFUSED;
    case WSAEHOSTUNREACH: case ERROR_HOST_UNREACHABLE: return EHOSTUNREACH;
    case WSA_OPERATION_ABORTED: return ECANCELED;
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: return ENOENT;
    case ERROR_FILE_EXISTS: case ERROR_ALREADY_EXISTS: return EEXIST;
    default: return EIO;
  }
}

void throw_windows(unsigned long error, const char* what) {
  throw std::system_error(errno_from_windows(error), std::generic_category(),
                          std::string("picos: ") + what + " (Windows error " + std::to_string(error) + ")");
}

}  // namespace picos::detail

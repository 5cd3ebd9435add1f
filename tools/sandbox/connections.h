#pragma once

// The sandbox's access to the TCP connections httplib accepted. httplib 0.11 never hands a socket
// to a handler, so the sandbox finds a connection among the process's descriptors by its
// addresses; used to drop a connection (faults.h) and to end idle keep-alive connections when the
// server stops.
//
// Thread-safe: only reads the descriptor table and queries sockets.

#include <functional>
#include <string>

namespace statusbridge::sandbox {

struct SocketEnds {
  std::string local_host;  // numeric, as httplib reports local_addr / remote_addr
  int local_port = 0;
  std::string peer_host;
  int peer_port = 0;
};

// Calls `visit(fd, ends)` for each connected IPv4/IPv6 socket of this process, until `visit`
// returns false. Descriptors that are not connected sockets are skipped.
void ForEachConnectedSocket(const std::function<bool(int fd, const SocketEnds& ends)>& visit);

}  // namespace statusbridge::sandbox

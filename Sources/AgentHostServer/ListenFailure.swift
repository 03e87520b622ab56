import Foundation
import NIOCore

/// Why a server of `agenthost` stopped, in words that say what to do: the
/// address taken or not allowed, or whatever else ended it.
enum ListenFailure {
    static func describe(_ error: any Error, host: String, port: Int, server: String) -> String {
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE?:
            "cannot listen on \(host):\(port): the address is in use (by another server?); choose another --port, or --port 0 for any free one"
        case EACCES?:
            "cannot listen on \(host):\(port): not allowed (ports below 1024 need privileges); choose a port above 1024"
        default:
            "\(server) stopped: \(error)"
        }
    }
}

import CEditLine
import Foundation

/// Lines typed at a terminal, with libedit's line editing (arrows, Ctrl-A,
/// Ctrl-E, ...) and a history that Up and Down recall, kept in a file
/// across sessions. Used from one thread; only `terminal` may be used from
/// another (to put the terminal back when a signal ends the process).
final class LineEditor {
    private let editor: OpaquePointer
    private let history: OpaquePointer
    /// The prompt, as a C string the editor reads for as long as it lives.
    private let prompt: UnsafeMutablePointer<CChar>
    private let historyPath: String
    /// The terminal's settings before the editor changed them.
    let terminal: TerminalSettings
    private var closed = false

    /// An editor on stdin and stdout, which must both be terminals; nil when libedit cannot start.
    init?(prompt text: String, historyPath: String, historySize: Int32 = 1000) {
        Self.useUTF8()
        guard let saved = TerminalSettings(fd: 0), let history = ceditline_history_open(historySize) else { return nil }
        let prompt = strdup(text)!
        guard let editor = ceditline_open(CommandLine.arguments.first ?? "agenthost", prompt, history) else {
            history_end(history)
            free(prompt)
            return nil
        }
        self.editor = editor
        self.history = history
        self.prompt = prompt
        self.historyPath = historyPath
        terminal = saved
        if FileManager.default.fileExists(atPath: historyPath) { _ = ceditline_history_load(history, historyPath) }
    }

    deinit { close() }

    /// The next line without its newline; nil at the end of input (Ctrl-D on an empty line).
    func next() -> [UInt8]? {
        while true {
            var count: Int32 = 0
            errno = 0
            guard let line = el_gets(editor, &count) else {
                if count < 0, errno == EINTR { continue }
                return nil
            }
            var bytes = Array(UnsafeRawBufferPointer(start: line, count: Int(max(0, count))))
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            return bytes
        }
    }

    /// Keeps `line` in the history (Up recalls it) and writes the history file, readable by its owner only.
    func remember(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace) else { return }
        _ = ceditline_history_enter(history, line)
        if ceditline_history_save(history, historyPath) >= 0 { chmod(historyPath, 0o600) }
    }

    /// Puts the terminal back as it was and frees the editor.
    func close() {
        guard !closed else { return }
        closed = true
        el_end(editor)
        history_end(history)
        free(prompt)
        terminal.restore()
    }

    /// Whether stdin and stdout are both terminals: then a person is typing.
    static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// The width of the terminal on stdout, 0 when it is not one.
    static var columns: Int { Int(ceditline_columns(1)) }

    /// libedit reads characters in the C library's locale: UTF-8 when the
    /// environment names none (or the C locale), so a message in any script can be edited.
    private static func useUTF8() {
        _ = setlocale(LC_CTYPE, "")
        if !["UTF-8", "UTF8"].contains(String(cString: nl_langinfo(nl_item(CODESET))).uppercased()) { _ = setlocale(LC_CTYPE, "C.UTF-8") }
    }
}

/// A terminal's settings, saved to be put back (from any thread).
struct TerminalSettings: @unchecked Sendable {
    // @unchecked: a termios is plain values; it is only read after it was saved.
    private let fd: Int32
    private let saved: termios

    init?(fd: Int32) {
        var settings = termios()
        guard tcgetattr(fd, &settings) == 0 else { return nil }
        self.fd = fd
        saved = settings
    }

    func restore() {
        var settings = saved
        _ = tcsetattr(fd, TCSANOW, &settings)
    }
}

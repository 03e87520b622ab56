/// A new package's files, with the commands that build and test it. Each
/// template ships a small library and a passing test, so a fresh scaffold
/// builds and its tests pass before anything is changed.
struct ScaffoldTemplate: Sendable {
    var language: String
    var files: [(path: String, contents: String)]
    var build: [String]
    var test: [String]

    static let languages = ["swift", "c", "python"]

    /// The template for `language`, for a package called `name` (lowercase
    /// letters, digits and underscores, starting with a letter).
    static func make(_ language: String, name: String) -> ScaffoldTemplate? {
        let type = name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        switch language {
        case "swift": return swift(name: name, module: type)
        case "c": return c(name: name)
        case "python": return python(name: name)
        default: return nil
        }
    }

    private static func swift(name: String, module: String) -> ScaffoldTemplate {
        ScaffoldTemplate(language: "swift", files: [
            ("Package.swift", """
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "\(module)",
                products: [.library(name: "\(module)", targets: ["\(module)"])],
                targets: [
                    .target(name: "\(module)"),
                    .testTarget(name: "\(module)Tests", dependencies: ["\(module)"]),
                ]
            )

            """),
            (".gitignore", ".build/\nPackage.resolved\n"),
            ("Sources/\(module)/\(module).swift", """
            /// Adds two integers, refusing to overflow silently.
            public func add(_ a: Int, _ b: Int) -> Int? {
                let (sum, overflow) = a.addingReportingOverflow(b)
                return overflow ? nil : sum
            }

            """),
            ("Tests/\(module)Tests/\(module)Tests.swift", """
            import Testing
            @testable import \(module)

            @Test func addsSmallNumbers() {
                #expect(add(2, 3) == 5)
            }

            @Test func reportsOverflow() {
                #expect(add(Int.max, 1) == nil)
            }

            """),
            ("README.md", "# \(module)\n\n`swift build` builds it; `swift test` runs its tests.\n"),
        ], build: ["swift", "build"], test: ["swift", "test"])
    }

    private static func c(name: String) -> ScaffoldTemplate {
        let guardName = name.uppercased() + "_H"
        return ScaffoldTemplate(language: "c", files: [
            ("Makefile", """
            CC ?= cc
            CFLAGS ?= -std=c11 -Wall -Wextra -Werror -O2
            CPPFLAGS += -Iinclude

            all: build/lib\(name).a

            build/\(name).o: src/\(name).c include/\(name).h
            \tmkdir -p build
            \t$(CC) $(CPPFLAGS) $(CFLAGS) -c src/\(name).c -o $@

            build/lib\(name).a: build/\(name).o
            \t$(AR) rcs $@ $^

            build/test_\(name): tests/test_\(name).c build/lib\(name).a
            \t$(CC) $(CPPFLAGS) $(CFLAGS) tests/test_\(name).c build/lib\(name).a -o $@

            test: build/test_\(name)
            \t./build/test_\(name)

            clean:
            \trm -rf build

            .PHONY: all test clean

            """),
            (".gitignore", "build/\n"),
            ("include/\(name).h", """
            #ifndef \(guardName)
            #define \(guardName)

            #include <stdbool.h>

            /* Adds a and b into *sum; false (and *sum untouched) when the sum overflows. */
            bool \(name)_add(int a, int b, int *sum);

            #endif

            """),
            ("src/\(name).c", """
            #include "\(name).h"

            #include <limits.h>

            bool \(name)_add(int a, int b, int *sum) {
                if ((b > 0 && a > INT_MAX - b) || (b < 0 && a < INT_MIN - b)) {
                    return false;
                }
                *sum = a + b;
                return true;
            }

            """),
            ("tests/test_\(name).c", """
            #include "\(name).h"

            #include <limits.h>
            #include <stdio.h>

            static int failures = 0;

            #define CHECK(condition)                                                   \\
                do {                                                                   \\
                    if (!(condition)) {                                                \\
                        fprintf(stderr, "%s:%d: check failed: %s\\n", __FILE__, __LINE__, #condition); \\
                        failures++;                                                    \\
                    }                                                                  \\
                } while (0)

            int main(void) {
                int sum = 0;
                CHECK(\(name)_add(2, 3, &sum) && sum == 5);
                CHECK(!\(name)_add(INT_MAX, 1, &sum));
                printf("%s\\n", failures == 0 ? "all checks passed" : "some checks failed");
                return failures == 0 ? 0 : 1;
            }

            """),
            ("README.md", "# \(name)\n\n`make` builds it; `make test` runs its tests.\n"),
        ], build: ["make"], test: ["make", "test"])
    }

    private static func python(name: String) -> ScaffoldTemplate {
        ScaffoldTemplate(language: "python", files: [
            ("pyproject.toml", """
            [project]
            name = "\(name)"
            version = "0.1.0"
            requires-python = ">=3.9"

            [tool.pytest.ini_options]
            pythonpath = ["src"]
            testpaths = ["tests"]

            """),
            (".gitignore", "__pycache__/\n*.pyc\n.pytest_cache/\n"),
            ("src/\(name)/__init__.py", """
            \"\"\"\(name): a small library.\"\"\"


            def add(a: int, b: int) -> int:
                \"\"\"Adds two integers.\"\"\"
                return a + b

            """),
            ("tests/test_\(name).py", """
            from \(name) import add


            def test_adds_small_numbers():
                assert add(2, 3) == 5


            def test_adds_negative_numbers():
                assert add(-2, -3) == -5

            """),
            ("README.md", "# \(name)\n\n`python3 -m compileall src` checks it builds; `python3 -m pytest -v` runs its tests.\n"),
        ], build: ["python3", "-m", "compileall", "-q", "src"], test: ["python3", "-m", "pytest", "-v"])
    }
}

/// A plain-words reading of a diagnostic, by what its message or code says.
enum LikelyCause {
    private static let rules: [(needles: [String], cause: String)] = [
        (["cannot find", "in scope"], "a name is misspelled, not declared yet, or its module is not imported"),
        (["use of undeclared identifier"], "a name is misspelled, not declared, or its header is not included"),
        (["undeclared (first use"], "a name is misspelled, not declared, or its header is not included"),
        (["implicit declaration of function"], "a function is called before it is declared: include its header or declare it"),
        (["undefined reference to"], "a function or variable is declared but never defined in what is linked: add its source file or library"),
        (["undefined symbol"], "a symbol is declared but not linked: add its source file or library to the link"),
        (["cannot convert value of type"], "a value of one type is used where another is expected"),
        (["mismatched types"], "a value of one type is used where another is expected"),
        (["incompatible"], "a value of one type is used where another is expected"),
        (["expected ';'"], "a statement is missing its semicolon, or the line before it is unfinished"),
        (["expected expression"], "a syntax error: an expression is missing or a bracket is unbalanced"),
        (["expected '", "'"], "a syntax error: a bracket, brace or keyword is missing or out of place"),
        (["missing return"], "a path through the function ends without returning a value"),
        (["borrow of moved value"], "a value is used after it was moved; clone it or borrow instead of moving"),
        (["cannot borrow"], "a borrow conflicts with another borrow of the same value"),
        (["unwrapping an optional value"], "a force-unwrap (!) met nil; unwrap with if let / guard let"),
        (["index out of range"], "an index past the end of a collection; check the bounds before indexing"),
        (["array index out of range"], "an index past the end of a collection; check the bounds before indexing"),
        (["index out of bounds"], "an index past the end of a collection; check the bounds before indexing"),
        (["division by zero"], "a division by a value that can be zero; check the divisor first"),
        (["divide by zero"], "a division by a value that can be zero; check the divisor first"),
        (["arithmetic overflow"], "an integer computation overflowed its type; use a wider type or checked arithmetic"),
        (["signed integer overflow"], "an integer computation overflowed its type; use a wider type or checked arithmetic"),
        (["heap-buffer-overflow"], "a read or write past the end of a heap allocation: an off-by-one or a wrong size"),
        (["stack-buffer-overflow"], "a read or write past the end of a local array: an off-by-one or a wrong size"),
        (["global-buffer-overflow"], "a read or write past the end of a global array"),
        (["heap-use-after-free"], "memory is used after it was freed; the pointer outlived its allocation"),
        (["double-free"], "the same memory is freed twice"),
        (["detected memory leaks"], "allocations are never freed; free them on every path or use an owner that does"),
        (["segv on unknown address 0x000000000000"], "a null pointer is dereferenced"),
        (["null pointer"], "a null pointer is dereferenced"),
        (["segmentation fault"], "invalid memory access, often a null or dangling pointer"),
        (["nameerror"], "a name is used before it is assigned, or is misspelled"),
        (["modulenotfounderror"], "a module is not installed or not on the import path"),
        (["importerror"], "a module or a name in it cannot be imported: not installed, renamed, or a circular import"),
        (["attributeerror"], "an object lacks the attribute: a typo, the wrong type, or None where an object was expected"),
        (["keyerror"], "a dictionary has no such key; use .get() or check membership first"),
        (["indexerror"], "an index past the end of a sequence; check its length first"),
        (["typeerror"], "a value of the wrong type is passed or combined"),
        (["valueerror"], "a value of the right type but an unacceptable content"),
        (["zerodivisionerror"], "a division by a value that can be zero; check the divisor first"),
        (["filenotfounderror"], "a path that does not exist; check it relative to the working folder"),
        (["recursionerror"], "recursion without a reachable base case"),
        (["assertion", "failed"], "an assertion's condition did not hold; the values it names are where to look"),
        (["fatal error"], "the program stopped at a precondition or fatalError; read its message for the broken assumption"),
        (["panicked"], "the program panicked; the message says which assumption broke"),
    ]

    private static let codes: [String: String] = [
        "E0425": "a name is misspelled, not declared, or not imported with `use`",
        "E0308": "a value of one type is used where another is expected",
        "E0382": "a value is used after it was moved; clone it or borrow instead of moving",
        "E0502": "a borrow conflicts with another borrow of the same value",
        "E0599": "no such method on this type: a typo, or a trait that is not in scope",
        "E0433": "a path names a module or type that is not declared or imported",
    ]

    static func explain(message: String, code: String?) -> String {
        if let code, let known = codes[code] { return known }
        let lower = (message + " " + (code ?? "")).lowercased()
        for rule in rules where rule.needles.allSatisfy({ lower.contains($0.lowercased()) }) { return rule.cause }
        return "read the message at the location given; no common cause matched"
    }
}

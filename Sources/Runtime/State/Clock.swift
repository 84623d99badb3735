#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time as RFC 3339 text, without Foundation's date machinery.
///
/// The calendar is computed here rather than by glibc's gmtime_r: on its first call gmtime_r
/// initializes the time zone, which opens and parses /etc/localtime (a file read and 10 KB of
/// glibc code in every `create`) only to convert to UTC, where no zone applies.
public enum Clock {
    /// Now in UTC with nanoseconds, as Go's time.RFC3339Nano prints it (trailing zeros kept).
    public static func rfc3339Now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return rfc3339(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    public static func rfc3339(seconds: Int, nanoseconds: Int) -> String {
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let date = civilDate(daysSinceEpoch: days)
        var digits: [UInt8] = []
        digits.reserveCapacity(30)
        // Go prints a year before 1 BC as a minus sign and four digits or more.
        if date.year < 0 { digits.append(UInt8(ascii: "-")) }
        append(abs(date.year), width: 4, to: &digits)
        digits.append(UInt8(ascii: "-"))
        append(date.month, width: 2, to: &digits)
        digits.append(UInt8(ascii: "-"))
        append(date.day, width: 2, to: &digits)
        digits.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2, to: &digits)
        digits.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2, to: &digits)
        digits.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2, to: &digits)
        digits.append(UInt8(ascii: "."))
        append(nanoseconds, width: 9, to: &digits)
        digits.append(UInt8(ascii: "Z"))
        return String(decoding: digits, as: UTF8.self)
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (negative before it), by
    /// the usual era arithmetic: 400-year eras of 146,097 days, years starting in March so
    /// that the leap day falls last.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let (era, dayOfEra) = floorDivision(daysSinceEpoch + 719_468, 146_097)  // from 0000-03-01
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    /// `value` (0 or more) in decimal, left-padded with zeros to `width` digits.
    private static func append(_ value: Int, width: Int, to bytes: inout [UInt8]) {
        let start = bytes.count
        var rest = value
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        while bytes.count - start < width { bytes.append(UInt8(ascii: "0")) }
        bytes[start...].reverse()
    }
}

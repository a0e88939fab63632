using System.Globalization;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// The data cache sizes of one core (L1d, L2) and the shared last level (L3), read once from Linux's
/// /sys/devices/system/cpu/cpu0/cache; typical sizes of current x86 and ARM server cores elsewhere
/// or where a level is not listed. GEMM sizes its blocks from them.
/// </summary>
public sealed record CacheSizes(long L1Data, long L2, long L3, string Source)
{
    public static CacheSizes Defaults { get; } = new(32 * 1024, 512 * 1024, 16 * 1024 * 1024, "defaults (no cache sizes found)");

    public static CacheSizes Machine { get; } = Read("/sys/devices/system/cpu/cpu0/cache");

    /// <summary>The sizes listed under a sysfs cache directory; a level that is missing or unreadable keeps its default.</summary>
    internal static CacheSizes Read(string directory)
    {
        if (!Directory.Exists(directory)) return Defaults;
        long? l1 = null, l2 = null, l3 = null;
        foreach (var index in Directory.EnumerateDirectories(directory, "index*"))
        {
            var level = ReadText(index, "level");
            var type = ReadText(index, "type");
            if (ParseSize(ReadText(index, "size")) is not { } size || type is "Instruction") continue;
            switch (level)
            {
                case "1": l1 = size; break;
                case "2": l2 = size; break;
                case "3": l3 = size; break;
            }
        }
        if (l1 is null && l2 is null && l3 is null) return Defaults;
        return new CacheSizes(l1 ?? Defaults.L1Data, l2 ?? Defaults.L2, l3 ?? Defaults.L3,
            l1 is not null && l2 is not null && l3 is not null ? directory : $"{directory} (missing levels defaulted)");
    }

    /// <summary>"32K", "1024K", "32M" or a plain byte count; null when it is none of these.</summary>
    internal static long? ParseSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        long unit = 1;
        if (text.EndsWith('K')) unit = 1024;
        else if (text.EndsWith('M')) unit = 1024 * 1024;
        else if (text.EndsWith('G')) unit = 1024 * 1024 * 1024;
        var digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value * unit : null;
    }

    private static string? ReadText(string directory, string file)
    {
        try { return File.ReadAllText(Path.Combine(directory, file)).Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public override string ToString() => $"L1d {L1Data / 1024} KiB and L2 {L2 / 1024} KiB per core, L3 {L3 / 1024 / 1024} MiB (from {Source})";
}

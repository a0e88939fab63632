using ScottPlot;
using SkiaSharp;

namespace ActorGrad.Cli.Pictures;

/// <summary>
/// The plots' one font, DejaVu Sans, shipped inside the assembly: a fresh machine may have no fonts at all (SkiaSharp's
/// NoDependencies build reads no fontconfig), and text would then vanish from the picture. Every font name resolves
/// to it, so labels, ticks and legend render the same on every machine.
/// </summary>
internal sealed class EmbeddedFont : IFontResolver
{
    public const string Name = "DejaVu Sans";
    private static readonly Lazy<byte[]> Bytes = new(Load);
    private static readonly object Gate = new();
    private static bool _installed;

    /// <summary>Puts the font first among ScottPlot's resolvers and makes it the default (once per process).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed) return;
            Fonts.FontResolvers.Insert(0, new EmbeddedFont());
            Fonts.Default = Name;
            _installed = true;
        }
    }

    public SKTypeface CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);

    // One face for every request: titles set in bold come out regular rather than missing.
    public SKTypeface CreateTypeface(string fontName, bool bold, bool italic) =>
        SKTypeface.FromData(SKData.CreateCopy(Bytes.Value)) ?? throw new InvalidOperationException($"The embedded font {Name} could not be loaded.");

    private static byte[] Load()
    {
        using var stream = typeof(EmbeddedFont).Assembly.GetManifestResourceStream("ActorGrad.Cli.Pictures.Fonts.DejaVuSans.ttf")
            ?? throw new InvalidOperationException($"The embedded font {Name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

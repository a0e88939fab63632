using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

public class CacheSizesTests
{
    [Theory]
    [InlineData("32K", 32L * 1024)]
    [InlineData("1024K", 1024L * 1024)]
    [InlineData("32M", 32L * 1024 * 1024)]
    [InlineData("65536", 65536L)]
    [InlineData(" 48K\n", 48L * 1024)]
    public void SysfsSizesParse(string text, long bytes) => Assert.Equal(bytes, CacheSizes.ParseSize(text));

    [Theory]
    [InlineData("")]
    [InlineData("K")]
    [InlineData("-32K")]
    [InlineData("32 KB")]
    [InlineData("0K")]
    public void MalformedSizesAreNone(string text) => Assert.Null(CacheSizes.ParseSize(text));

    [Fact]
    public void ReadsDataAndUnifiedLevelsAndSkipsInstructionCaches()
    {
        var dir = Directory.CreateTempSubdirectory("cache-sizes-");
        try
        {
            Write(dir.FullName, "index0", "1", "Data", "48K");
            Write(dir.FullName, "index1", "1", "Instruction", "32K");
            Write(dir.FullName, "index2", "2", "Unified", "2048K");
            Write(dir.FullName, "index3", "3", "Unified", "96M");
            var sizes = CacheSizes.Read(dir.FullName);
            Assert.Equal((48L * 1024, 2048L * 1024, 96L * 1024 * 1024), (sizes.L1Data, sizes.L2, sizes.L3));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void MissingDirectoryOrLevelsFallBackToDefaults()
    {
        Assert.Equal(CacheSizes.Defaults, CacheSizes.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
        var dir = Directory.CreateTempSubdirectory("cache-sizes-");
        try
        {
            Write(dir.FullName, "index2", "2", "Unified", "garbage");
            Write(dir.FullName, "index0", "1", "Data", "64K");
            var sizes = CacheSizes.Read(dir.FullName);
            Assert.Equal((64L * 1024, CacheSizes.Defaults.L2, CacheSizes.Defaults.L3), (sizes.L1Data, sizes.L2, sizes.L3));
            Assert.Contains("defaulted", sizes.Source);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Theory]
    [InlineData(32 * 1024, 512 * 1024, 16, 256)]   // Zen 2/3 at AVX2: the BLIS Haswell blocking
    [InlineData(32 * 1024, 1024 * 1024, 32, 256)]  // AVX-512 tile on a 32 KiB L1: the panel fills it
    [InlineData(16 * 1024, 256 * 1024, 32, 128)]   // a small L1 shortens the panel
    [InlineData(48 * 1024, 2048 * 1024, 32, 256)]
    public void BlocksFitTheirCaches(long l1, long l2, int nr, int expectedKc)
    {
        var blocking = GemmBlocking.For(new CacheSizes(l1, l2, 32L * 1024 * 1024, "test"), 6, nr);
        Assert.Equal(expectedKc, blocking.KC);
        Assert.True(blocking.KC * nr * sizeof(float) <= l1, "B's micro-panel fits L1");
        Assert.True((long)blocking.MC * blocking.KC * sizeof(float) <= l2 / 2, "A's block fits half of L2");
        Assert.Equal(0, blocking.MC % 6);
        Assert.Equal(0, blocking.NC % nr);
    }

    [Fact]
    public void BalancedRowBlocksLeaveNoSliver()
    {
        var blocking = new GemmBlocking(256, 252, 4096);
        Assert.Equal(174, blocking.BalancedMC(520, 6));  // three blocks of 174, 174, 172 instead of 252, 252, 16
        Assert.Equal(12, blocking.BalancedMC(10, 6));
        Assert.Equal(252, blocking.BalancedMC(252, 6));
    }

    [Fact]
    public void BalancedDepthBlocksLeaveNoSliver()
    {
        var blocking = new GemmBlocking(256, 252, 4096);
        Assert.Equal(196, blocking.BalancedKC(784)); // four blocks of 196 instead of 256, 256, 256, 16
        Assert.Equal(256, blocking.BalancedKC(512));
        Assert.Equal(129, blocking.BalancedKC(257));
        Assert.Equal(10, blocking.BalancedKC(10));
        Assert.Equal(1, blocking.BalancedKC(1));
    }

    private static void Write(string root, string index, string level, string type, string size)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, index)).FullName;
        File.WriteAllText(Path.Combine(dir, "level"), level + "\n");
        File.WriteAllText(Path.Combine(dir, "type"), type + "\n");
        File.WriteAllText(Path.Combine(dir, "size"), size + "\n");
    }
}

using System.IO.Compression;
using System.Text;
using SingleDarts.Cli;
using SingleDarts.Search.Data;
using SingleDarts.Search.IO;
using SingleDarts.Search.Spaces.Nb201;
using Spectre.Console;

namespace SingleDarts.Search.Tests;

/// <summary>Hostile input files and inputs echoed in messages: refused at once, one line naming the limit (InputLimits).</summary>
[Trait("Category", "unit")]
public sealed class InputLimitsTests
{
    [Fact]
    public void A_nb201_table_over_the_size_limit_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Tiny.TempDir(), "huge.csv");
        using (var f = File.Create(path)) f.SetLength(InputLimits.Nb201TableBytes + (1 << 20));   // sparse
        var ex = Assert.Throws<DataException>(() => Nb201Table.Load(path));
        Assert.Equal($"{path}: 65 MiB is more than a NAS-Bench-201 table may have (64 MiB; see docs/troubleshooting.md, \"Input limits\")", ex.Message);
    }

    [Fact]
    public void A_folder_given_as_the_nb201_table_is_named_a_folder()
    {
        var dir = Tiny.TempDir();
        Assert.Equal($"{dir} is a folder; name the NAS-Bench-201 table's CSV file", Assert.Throws<DataException>(() => Nb201Table.Load(dir)).Message);
    }

    [Fact]
    public void An_archive_entry_claiming_more_than_the_limit_is_refused_before_anything_is_decompressed()
    {
        // a .tar.gz of one header that says 2 GiB follow: a gzip bomb says its size before its bytes
        var path = Path.Combine(Tiny.TempDir(), "bomb.tar.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
            gz.Write(TarHeader("cifar-10-batches-bin/data_batch_1.bin", 2L << 30));
        var ex = Assert.Throws<DataException>(() => ArchiveReader.Entries(path, _ => true).ToList());
        Assert.Equal($"{path}: cifar-10-batches-bin/data_batch_1.bin is 2 GiB, more than a file in a dataset may have (512 MiB; see docs/troubleshooting.md, \"Input limits\")", ex.Message);
    }

    /// <summary>A ustar header block for a regular file of <paramref name="size"/> bytes (none of which follow).</summary>
    private static byte[] TarHeader(string name, long size)
    {
        var h = new byte[512];
        void Put(int at, string s) => Encoding.ASCII.GetBytes(s).CopyTo(h, at);
        Put(0, name);
        Put(100, "0000644\0");
        Put(108, "0000000\0");
        Put(116, "0000000\0");
        Put(124, Convert.ToString(size, 8).PadLeft(11, '0') + "\0");
        Put(136, "00000000000\0");
        Put(148, "        ");
        h[156] = (byte)'0';
        Put(257, "ustar\0");
        Put(263, "00");
        Put(148, Convert.ToString(h.Sum(b => b), 8).PadLeft(6, '0') + "\0 ");
        return h;
    }

    [Fact]
    public void A_huge_arch_string_gets_the_reason_first_and_a_short_echo()
    {
        var arch = string.Concat(Enumerable.Repeat("|nor_conv_3x3~0|", 4_375));   // 70,000 characters
        var ex = Assert.Throws<FormatException>(() => Genotype.Parse(arch));
        Assert.StartsWith("expected 3 node groups separated by '+', found 1, in arch '|nor_conv_3x3~0|", ex.Message);
        Assert.EndsWith("…' (70,000 characters)", ex.Message);
        Assert.True(ex.Message.Length < 150, ex.Message);
    }

    [Fact]
    public void Tables_written_to_a_file_or_pipe_have_no_trailing_spaces()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Out = new AnsiConsoleOutput(new TrimmedLines(text)) });
        console.Profile.Width = TrimmedLines.Width;
        var table = new Table().AddColumn("seed").AddColumn("arch");
        table.AddRow("0", "|nor_conv_3x3~0|");
        console.Write(table);
        console.Write(new Rule("end"));
        text.Flush();
        var lines = text.ToString().Split('\n');
        Assert.Contains(lines, l => l.Contains("|nor_conv_3x3~0|", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.False(l.EndsWith(' '), $"trailing spaces: '{l}'"));
    }
}

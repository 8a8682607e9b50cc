using System.Text;
using Spectre.Console;

namespace SingleDarts.Cli;

/// <summary>
/// Spectre.Console pads what it draws to the console's width; on a terminal that is invisible, in a file or a
/// pipe it is up to 240 trailing spaces a line. This writer drops the spaces at the end of every line.
/// </summary>
public sealed class TrimmedLines(TextWriter inner) : TextWriter
{
    private readonly StringBuilder line = new();

    public override Encoding Encoding => inner.Encoding;

    /// <summary>Sends Spectre's output (tables, rules) through a <see cref="TrimmedLines"/> when stdout is a file or pipe.</summary>
    public static void UseWhenRedirected()
    {
        if (!Console.IsOutputRedirected) return;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(new TrimmedLines(Console.Out)),
        });
        console.Profile.Width = Width;
        AnsiConsole.Console = console;
    }

    /// <summary>
    /// The width Spectre lays out for in a file or pipe: tables are not cut to 80 columns (arch strings are ~90 characters,
    /// a per-seed table is ~200 wide) and the synthetic-data line (~250) stays one line.
    /// </summary>
    public const int Width = 320;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            var end = line.Length;
            while (end > 0 && line[end - 1] is ' ' or '\r') end--;
            inner.Write(line.ToString(0, end));
            inner.Write('\n');
            line.Clear();
        }
        else line.Append(value);
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "") Write(c);
    }

    public override void Flush()
    {
        // what the line has so far, less its trailing spaces: they are written only if more text follows on the line
        var end = line.Length;
        while (end > 0 && line[end - 1] == ' ') end--;
        inner.Write(line.ToString(0, end));
        line.Remove(0, end);
        inner.Flush();
    }
}

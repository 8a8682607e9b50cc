using System.Globalization;
using System.Text;

namespace SingleDarts.Search.Spaces.Darts;

/// <summary>The strict reader of the DARTS code's genotype text (<see cref="DartsGenotype.Parse"/>).</summary>
public sealed partial record DartsGenotype
{
    private sealed class Scanner(string text)
    {
        private int pos;

        public int Position
        {
            get
            {
                SkipSpace();
                return pos;
            }
        }

        public FormatException Error(int at, string message) =>
            new($"genotype: {message} (at character {at + 1}: '{Excerpt(at)}')");

        private string Excerpt(int at)
        {
            var end = Math.Min(text.Length, at + 24);
            return at >= text.Length ? "<end>" : text[at..end] + (end < text.Length ? "…" : "");
        }

        private void SkipSpace()
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        }

        public bool Peek(char c)
        {
            SkipSpace();
            return pos < text.Length && text[pos] == c;
        }

        public void Expect(char c)
        {
            SkipSpace();
            if (pos >= text.Length || text[pos] != c) throw Error(pos, $"expected '{c}'");
            pos++;
        }

        public void Word(string word)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0 || pos + word.Length < text.Length && (char.IsLetterOrDigit(text[pos + word.Length]) || text[pos + word.Length] == '_'))
                throw Error(pos, $"expected '{word}'");
            pos += word.Length;
        }

        public string Quoted()
        {
            SkipSpace();
            if (pos >= text.Length || text[pos] is not ('\'' or '"')) throw Error(pos, "expected a quoted operation name");
            var quote = text[pos];
            var end = text.IndexOf(quote, pos + 1);
            if (end < 0) throw Error(pos, "an operation name is not closed");
            var name = text[(pos + 1)..end];
            pos = end + 1;
            return name;
        }

        public int Integer()
        {
            SkipSpace();
            var start = pos;
            if (pos < text.Length && text[pos] == '-') pos++;
            while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
            if (!int.TryParse(text.AsSpan(start, pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                throw Error(start, "expected a state number");
            return value;
        }

        /// <summary>[a, b, …] or range(a, b).</summary>
        public List<int> IntegerList()
        {
            var list = new List<int>();
            if (Peek('['))
            {
                Expect('[');
                while (!Peek(']'))
                {
                    if (list.Count > 0) Expect(',');
                    list.Add(Integer());
                }
                Expect(']');
                return list;
            }
            Word("range");
            Expect('(');
            var from = Integer();
            Expect(',');
            var to = Integer();
            Expect(')');
            for (var i = from; i < to; i++) list.Add(i);
            return list;
        }

        public void End()
        {
            SkipSpace();
            if (pos < text.Length) throw Error(pos, "unexpected text after the genotype");
        }
    }
}

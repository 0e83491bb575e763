using System.Collections.Immutable;

namespace Workflows.Definitions.Engine;

/// <summary>One thing wrong with a design file; <see cref="Step"/> is null for problems outside any step.</summary>
public sealed record DesignProblem(string FileName, string? Step, string Problem)
{
    public override string ToString() => Step is null ? $"{FileName}: {Problem}" : $"{FileName}: step '{Step}': {Problem}";
}

/// <summary>
/// A design that cannot be run. Carries every problem found, not just the first, so an author fixes a file
/// in one round; the host stops at start with this message.
/// </summary>
public sealed class DesignValidationException : Exception
{
    public DesignValidationException(IEnumerable<DesignProblem> problems)
        : this(problems.ToImmutableArray())
    {
    }

    private DesignValidationException(ImmutableArray<DesignProblem> problems)
        : base(FormatMessage(problems)) => Problems = problems;

    public IReadOnlyList<DesignProblem> Problems { get; }

    private static string FormatMessage(ImmutableArray<DesignProblem> problems) =>
        problems.Length == 1
            ? $"Invalid workflow design {problems[0]}"
            : $"Invalid workflow design ({problems.Length} problems):{Environment.NewLine}"
              + string.Join(Environment.NewLine, problems.Select(p => $"  - {p}"));
}

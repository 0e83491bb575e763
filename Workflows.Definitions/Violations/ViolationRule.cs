namespace Workflows.Definitions.Violations;

/// <summary>
/// One rule of the policy's section 四 (行政管理条例) as a catalog entry (docs/domain.md §Violations and the rule catalog).
/// </summary>
/// <param name="Code">Stable code, <c>R01</c>…<c>R18</c>; never reused for another meaning.</param>
/// <param name="TitleZh">The rule in Chinese, as the policy words it (short form).</param>
/// <param name="Title">English title.</param>
/// <param name="DefaultPenalty">
/// Default 乐捐 amount in CNY. Configuration, not policy: the source document breaks off before
/// stating amounts. A recorder may override it per violation.
/// </param>
public sealed record ViolationRule(string Code, string TitleZh, string Title, decimal DefaultPenalty);

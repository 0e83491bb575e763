using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Workflows.Host.Auth;
using Workflows.Host.Organization;

namespace Workflows.Host.Pages.Org;

/// <summary>
/// HR imports the organisation from a file: upload, read the dry run (what each line will do, every bad line with its
/// field), confirm. The confirmation sends the same file back (carried in the form, not kept on the server) and runs
/// the same import as <c>POST /api/org/import</c>; it is checked again, so a file that went stale in between is
/// refused as a whole. The temporary passwords are shown once, after the import.
/// </summary>
public sealed class ImportModel(CurrentActor current, OrgImport import, IStringLocalizer<SharedResource> localizer) : GuardedPageModel(current)
{
    public ImportResult? Result { get; private set; }

    /// <summary>The uploaded file, base64, for the confirmation.</summary>
    public string? FileContent { get; private set; }

    public string? FileName { get; private set; }

    public string? Refusal { get; private set; }

    protected override ValueTask<bool> MayOpenAsync(Actor actor, CancellationToken ct) => ValueTask.FromResult(actor.IsHR);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostPreviewAsync(IFormFile? file)
    {
        if (file is null || file.Length == 0)
        {
            Refusal = localizer["Choose a CSV or .xlsx file first."];
            return Page();
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, HttpContext.RequestAborted);
        FileName = file.FileName;
        return await RunAsync(buffer.ToArray(), dryRun: true);
    }

    public async Task<IActionResult> OnPostConfirmAsync(string? content, string? fileName)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(content ?? "");
        }
        catch (FormatException)
        {
            bytes = [];
        }

        FileName = fileName;
        if (bytes.Length == 0)
        {
            Refusal = localizer["Choose a CSV or .xlsx file first."];
            return Page();
        }

        return await RunAsync(bytes, dryRun: false);
    }

    private async Task<IActionResult> RunAsync(byte[] bytes, bool dryRun)
    {
        try
        {
            Result = await import.ImportAsync(bytes, dryRun, HttpContext.RequestAborted);
            if (dryRun && Result.Errors.Count == 0)
            {
                FileContent = Convert.ToBase64String(bytes);
            }
        }
        catch (ImportFormatException ex)
        {
            Refusal = ex.Message;
        }

        return Page();
    }
}

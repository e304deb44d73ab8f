; Inno Setup script: the Windows installer around the PyInstaller bundle (dist\bahi).
; Built by .github/workflows/release.yml on windows-latest; it cannot be built on Linux:
;   pyinstaller --noconfirm installer\bahi.spec
;   iscc /DAppVersion=0.1.0 installer\windows\bahi.iss     -> dist\bahi-0.1.0-setup.exe
; Tesseract (for reading scanned bills) is a separate install; `bahi-cli --self-test` says so.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{6F1C1B2E-5A0D-4C8E-9B51-3C2D7A9E4B10}
AppName=Bahi
AppVersion={#AppVersion}
AppPublisher=Bahi
DefaultDirName={autopf}\Bahi
DefaultGroupName=Bahi
DisableProgramGroupPage=yes
; per-user install without admin rights when the user chooses it
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=bahi-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\bahi.ico
UninstallDisplayIcon={app}\Bahi.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
; Bahi.exe (the window) and bahi-cli.exe (the command line) share _internal\
Source: "..\..\dist\bahi\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Bahi"; Filename: "{app}\Bahi.exe"
Name: "{autodesktop}\Bahi"; Filename: "{app}\Bahi.exe"; Tasks: desktopicon

[Registry]
; Bahi backup files (*.bahibak) get their own type and icon, and open in Bahi's restore. Company data lives in the user's
; folders, never under {app}: uninstalling leaves it alone.
Root: HKA; Subkey: "Software\Classes\.bahibak"; ValueType: string; ValueName: ""; ValueData: "Bahi.Backup"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Bahi.Backup"; ValueType: string; ValueName: ""; ValueData: "Bahi backup"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Bahi.Backup\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Bahi.exe,0"
Root: HKA; Subkey: "Software\Classes\Bahi.Backup\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Bahi.exe"" gui ""%1"""

[Run]
Filename: "{app}\Bahi.exe"; Description: "{cm:LaunchProgram,Bahi}"; Flags: nowait postinstall skipifsilent

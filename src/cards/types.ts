/**
 * A typed subset of Adaptive Cards 1.5: the elements this bot builds. Card builders return
 * these, so a typo in an element or property is a compile error, and tests validate the result
 * with the adaptivecards library.
 */
export type Spacing = 'None' | 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge' | 'Padding';
export type TextSize = 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
export type TextWeight = 'Lighter' | 'Default' | 'Bolder';
export type TextColor = 'Default' | 'Dark' | 'Light' | 'Accent' | 'Good' | 'Warning' | 'Attention';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';

interface ElementBase {
  id?: string;
  spacing?: Spacing;
  separator?: boolean;
  isVisible?: boolean;
}

export interface TextBlock extends ElementBase {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: TextSize;
  weight?: TextWeight;
  color?: TextColor;
  isSubtle?: boolean;
  maxLines?: number;
  horizontalAlignment?: 'Left' | 'Center' | 'Right';
}

export interface Image extends ElementBase {
  type: 'Image';
  /** https URL or a small data: URI (it counts toward the card's ~28 KB). */
  url: string;
  altText: string;
  size?: 'Auto' | 'Stretch' | 'Small' | 'Medium' | 'Large';
  width?: string;
  height?: string;
}

export interface Fact {
  title: string;
  value: string;
}

export interface FactSet extends ElementBase {
  type: 'FactSet';
  facts: Fact[];
}

export interface Container extends ElementBase {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  selectAction?: CardAction;
}

export interface Column {
  type: 'Column';
  id?: string;
  width?: 'auto' | 'stretch' | string | number;
  items: CardElement[];
  style?: ContainerStyle;
  minHeight?: string;
  verticalContentAlignment?: 'Top' | 'Center' | 'Bottom';
}

export interface ColumnSet extends ElementBase {
  type: 'ColumnSet';
  columns: Column[];
}

export interface ActionSet extends ElementBase {
  type: 'ActionSet';
  actions: CardAction[];
}

interface InputBase extends ElementBase {
  id: string;
  label?: string;
  isRequired?: boolean;
  errorMessage?: string;
}

export interface InputText extends InputBase {
  type: 'Input.Text';
  placeholder?: string;
  value?: string;
  maxLength?: number;
  isMultiline?: boolean;
  regex?: string;
}

export interface InputNumber extends InputBase {
  type: 'Input.Number';
  value?: number;
  min?: number;
  max?: number;
  placeholder?: string;
}

export interface InputDate extends InputBase {
  type: 'Input.Date';
  value?: string;
  min?: string;
  max?: string;
}

export interface InputTime extends InputBase {
  type: 'Input.Time';
  value?: string;
}

export interface InputToggle extends InputBase {
  type: 'Input.Toggle';
  title: string;
  value?: 'true' | 'false';
  valueOn?: string;
  valueOff?: string;
}

export interface Choice {
  title: string;
  value: string;
}

export interface InputChoiceSet extends InputBase {
  type: 'Input.ChoiceSet';
  choices: Choice[];
  value?: string;
  style?: 'compact' | 'expanded' | 'filtered';
  isMultiSelect?: boolean;
  placeholder?: string;
}

export type CardElement =
  | TextBlock
  | Image
  | FactSet
  | Container
  | ColumnSet
  | ActionSet
  | InputText
  | InputNumber
  | InputDate
  | InputTime
  | InputToggle
  | InputChoiceSet;

/** Data sent back with an action; always carries the verb the bot routes on. */
export type ActionData = { verb: string } & Record<string, string | number | boolean | undefined>;

interface ActionBase {
  title?: string;
  id?: string;
  style?: 'default' | 'positive' | 'destructive';
  tooltip?: string;
}

export interface ActionExecute extends ActionBase {
  type: 'Action.Execute';
  verb: string;
  data?: ActionData;
  associatedInputs?: 'auto' | 'none';
}

export interface ActionSubmit extends ActionBase {
  type: 'Action.Submit';
  /** With `msteams: { type: 'task/fetch' }` Teams opens a dialog and sends the rest of the data with it. */
  data: ActionData | { msteams: Record<string, unknown>; verb?: string } | ({ msteams: Record<string, unknown> } & ActionData);
  associatedInputs?: 'auto' | 'none';
}

export interface ActionOpenUrl extends ActionBase {
  type: 'Action.OpenUrl';
  url: string;
}

export interface ActionShowCard extends ActionBase {
  type: 'Action.ShowCard';
  card: AdaptiveCard;
}

export interface ActionToggleVisibility extends ActionBase {
  type: 'Action.ToggleVisibility';
  targetElements: (string | { elementId: string; isVisible?: boolean })[];
}

export type CardAction = ActionExecute | ActionSubmit | ActionOpenUrl | ActionShowCard | ActionToggleVisibility;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema?: string;
  version: '1.5';
  body: CardElement[];
  actions?: CardAction[];
  refresh?: { action: ActionExecute; userIds?: string[] };
  msteams?: { width?: 'Full'; entities?: unknown[] };
  fallbackText?: string;
}

export function card(body: CardElement[], actions: CardAction[] = [], extra: Partial<AdaptiveCard> = {}): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions.length ? { actions } : {}),
    ...extra,
  };
}
